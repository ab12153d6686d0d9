// Webhooks: every event kind, signed; online/offline once per user across a
// cluster; retries until a 2xx with nothing lost or doubled after dedupe;
// kill -9 with events queued; a full queue drops, counts and logs; bad URLs
// are refused. The receiver is a real HTTP server (lib/receiver.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, startCluster, freePort, Client, api, jwt, metric, until } from './lib/herald.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { makeCA, makeCert } from './lib/pki.mjs';
import { userHomedOn } from './lib/ring.mjs';

const hk = (rcv, more = '') => `[namespace.hk]
secret = hk-secret
client_publish = true
webhook_url = ${rcv.url()}
webhook_secret = whsec
${more}
`;
const HK = { basic: 'hk:hk-secret' };
const open = (node, user, client) => Client.open(node, { ns: 'hk', token: jwt('hk-secret', { sub: user }), client });
const pushTo = (node, users, data, ttl = 60) =>
  api(node, 'POST', '/v1/push', { auth: HK, body: { to: { users }, data, ttl } });
const hookMetric = (node, result) =>
  metric(node, new RegExp(`^herald_webhook_events_total\\{ns="hk",result="${result}"\\} (\\d+)`, 'm'));

test('each event kind reaches the receiver, signed, with its fields', async () => {
  const rcv = await startReceiver('whsec');
  const node = await startNode({ name: 'w1', extra: hk(rcv, 'undelivered_after = 1') });
  try {
    const a = await open(node, 'alice', 'phone');
    const b = await open(node, 'alice', 'laptop');
    assert.equal((await a.join('r1')).ok, true);
    assert.equal((await a.request({ type: 'leave', rooms: ['r1'] })).ok, true);
    assert.equal((await b.join('r2')).ok, true);
    a.ws.close(1000);
    b.ws.close(1000);
    await Promise.all([a.closed, b.closed]);
    await until(() => rcv.of('offline').length === 1 && rcv.of('disconnect').length === 2, { what: 'offline and two disconnects' });

    const connects = rcv.of('connect');
    assert.deepEqual(connects.map((e) => e.client).sort(), ['laptop', 'phone']);
    for (const e of connects) {
      assert.equal(e.user, 'alice');
      assert.equal(e.ns, 'hk');
      assert.equal(e.node, 'w1');
      assert.match(e.session, /^s/);
      assert.ok(Math.abs(e.ts - Date.now()) < 60000);
    }
    assert.equal(rcv.of('online').length, 1, 'one online for two sessions');
    assert.deepEqual(rcv.of('join').map((e) => [e.room, e.client]), [['r1', 'phone'], ['r2', 'laptop']]);
    assert.deepEqual(rcv.of('leave').map((e) => [e.room, e.reason]), [['r1', 'left'], ['r2', 'disconnect']]);
    for (const e of rcv.of('disconnect')) {
      assert.equal(e.code, 1000);
      assert.equal(e.reason, 'normal');
    }
    // Order as emitted: the online (at the first attach) before the joins.
    const types = rcv.events().map((e) => e.type);
    assert.ok(types.indexOf('online') < types.indexOf('join'));

    // A durable push to a user with no session: undelivered at once, with its data.
    const p = await pushTo(node, ['bob'], { hello: 'bob' });
    assert.equal(p.status, 200);
    const u = await until(() => rcv.of('undelivered', (e) => e.user === 'bob')[0], { what: 'undelivered for bob' });
    assert.equal(u.message, p.json.id);
    assert.deepEqual(u.data, { hello: 'bob' });
    assert.deepEqual(u.devices, []);

    // Delivered but not acked within undelivered_after (1 s): undelivered,
    // naming the device; an acked one gets none (it was due first).
    const c = await open(node, 'carol', 'tablet');
    const acked = await pushTo(node, ['carol'], 'acked');
    const got = await c.message((m) => m.id === acked.json.id);
    c.send({ type: 'ack', ids: [got.id] });
    await c.quiet();
    const unacked = await pushTo(node, ['carol'], 'unacked');
    await c.message((m) => m.id === unacked.json.id);
    const late = await until(() => rcv.of('undelivered', (e) => e.user === 'carol')[0], { timeout: 8000, what: 'undelivered for carol' });
    assert.equal(late.message, unacked.json.id);
    assert.deepEqual(late.devices, ['tablet']);
    assert.equal(rcv.of('undelivered', (e) => e.message === acked.json.id).length, 0);
    await c.close();

    assert.equal(rcv.unsigned(), 0, 'every POST signed with webhook_secret');
    const ids = rcv.posts.flatMap((x) => x.events.map((e) => e.id));
    assert.equal(new Set(ids).size, ids.length, 'no event posted twice by a receiver that answered 200');
    // Counted once herald has read the 2xx (the receiver may log first).
    const seen = rcv.events().length;
    await until(async () => (await hookMetric(node, 'delivered')) >= seen, { what: 'delivered counted' });
  } finally {
    await node.stop();
    await rcv.close();
  }
});

test('a receiver that fails three times gets every event exactly once, in order', async () => {
  const rcv = await startReceiver('whsec');
  let failures = 0;
  rcv.behave = () => (failures++ < 3 ? 500 : 200);
  const node = await startNode({ name: 'w2', extra: hk(rcv, 'webhook_events = undelivered') });
  try {
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await pushTo(node, [`offline${i}`], i)).json.id);
    await until(() => rcv.of('undelivered').length === 6, { timeout: 20000, what: 'six undelivered events' });
    assert.deepEqual(rcv.of('undelivered').map((e) => e.message), ids, 'each once, in emit order');
    assert.ok(rcv.posts.length >= 4, 'three failed posts and at least one good one');
    assert.ok((await hookMetric(node, 'retried')) >= 3);
    assert.equal(rcv.events().filter((e) => e.type !== 'undelivered').length, 0, 'webhook_events filters');
    const st = await api(node, 'GET', '/v1/webhooks', { auth: HK });
    assert.equal(st.status, 200);
    assert.equal(st.json.url, rcv.url());
    assert.equal(st.json.nodes[0].queued, 0);
    assert.equal(st.json.nodes[0].delivered, 6);
    assert.equal(st.json.nodes[0].last_error, null);
  } finally {
    await node.stop();
    await rcv.close();
  }
});

test('kill -9 with events queued: after a restart every event is delivered', async () => {
  const rcv = await startReceiver('whsec');
  rcv.behave = () => 503;
  const dir = mkdtempSync(join(tmpdir(), 'herald-hooks-'));
  const port = await freePort();
  let node = await startNode({ name: 'w3', dataDir: dir, port, extra: hk(rcv, 'webhook_events = undelivered') });
  try {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await pushTo(node, [`gone${i}`], i)).json.id);
    await until(async () => (await hookMetric(node, 'emitted')) === 5 && rcv.posts.length >= 1, { what: 'five events stored, a post failed' });
    const st = await api(node, 'GET', '/v1/webhooks', { auth: HK });
    assert.equal(st.json.nodes[0].queued, 5);
    assert.match(st.json.nodes[0].last_error, /503/);
    node.proc.kill('SIGKILL');
    await node.exited;
    // What the receiver saw before the kill (the posts it refused) keeps its ids.
    const before = new Map(rcv.posts.flatMap((p) => p.events.map((e) => [e.message, e.id])));
    assert.ok(before.size >= 1);
    rcv.behave = () => 200;
    node = await startNode({ name: 'w3', dataDir: dir, port, extra: hk(rcv, 'webhook_events = undelivered') });
    await until(() => rcv.of('undelivered').length === 5, { timeout: 15000, what: 'the five events after the restart' });
    assert.deepEqual(rcv.of('undelivered').map((e) => e.message), ids);
    for (const e of rcv.of('undelivered'))
      if (before.has(e.message)) assert.equal(e.id, before.get(e.message), 'the same event id as before the kill');
  } finally {
    await node.stop();
    await rcv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full queue drops the oldest events, counts and logs them; pushes go on', async () => {
  const rcv = await startReceiver('whsec');
  rcv.behave = () => 'hang';  // never answers: the first batch stays in flight
  const node = await startNode({
    name: 'w4',
    extra: hk(rcv, 'webhook_events = undelivered\nwebhook_queue = 65536\nwebhook_timeout = 60'),
  });
  try {
    const big = 'x'.repeat(4000);
    for (let i = 0; i < 40; i++) assert.equal((await pushTo(node, [`far${i}`], big)).status, 200);
    await until(async () => (await hookMetric(node, 'dropped')) > 0, { what: 'dropped events counted' });
    await until(() => /webhooks of hk: dropped \d+ events/.test(node.log()), { what: 'the drop logged' });
    const st = await api(node, 'GET', '/v1/webhooks', { auth: HK });
    assert.ok(st.json.nodes[0].bytes <= 65536 + 8192, `queue within its bound: ${st.json.nodes[0].bytes}`);
    assert.equal(st.json.nodes[0].in_flight, true);
  } finally {
    await node.stop();
    await rcv.close();
  }
});

test('webhook settings are checked: http(s) only, hook_hosts, known event kinds', async () => {
  const node = await startNode({ name: 'w5' });
  try {
    const admin = { bearer: 'admin-token' };
    const create = (body) => api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body });
    for (const [body, re] of [
      [{ name: 'h1', webhook_url: 'ftp://127.0.0.1/x' }, /webhook_url/],
      [{ name: 'h2', webhook_url: 'http://10.1.2.3/x' }, /hook_hosts/],
      [{ name: 'h3', webhook_url: 'http://127.0.0.1:9/x', webhook_events: 'connect,explode' }, /webhook_events/],
      [{ name: 'h4', webhook_url: 'http://127.0.0.1:9/x', webhook_queue: 10 }, /webhook_queue/],
    ]) {
      const r = await create(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error.message, re);
    }
    const ok = await create({ name: 'h5', webhook_url: 'http://127.0.0.1:9/x', webhook_events: ['online', 'offline'] });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.webhook_events, 'online,offline');
    const off = await api(node, 'PATCH', '/v1/admin/namespaces/h5', { auth: admin, body: { webhook_url: null } });
    assert.equal(off.status, 200);
    assert.equal(off.json.webhook_url, null);
  } finally {
    await node.stop();
  }
});

test('three nodes: every kind, online and offline once per user, the queue of each node', async () => {
  const rcv = await startReceiver('whsec');
  const [a, b, c] = await startCluster(['a', 'b', 'c'], { extra: hk(rcv, 'undelivered_after = 0') });
  try {
    const user = userHomedOn(['a', 'b', 'c'], 'c', 'multi', 'hk');
    const s1 = await open(a, user, 'd1');
    const s2 = await open(b, user, 'd2');
    const s3 = await open(a, user);
    await until(() => rcv.of('connect').length === 3, { what: 'three connects' });
    assert.deepEqual(rcv.of('connect').map((e) => e.node).sort(), ['a', 'a', 'b']);
    assert.equal((await s2.join('hall')).ok, true);
    assert.equal((await s2.request({ type: 'leave', rooms: ['hall'] })).ok, true);
    await until(() => rcv.of('leave').length === 1, { what: 'join and leave from b' });
    assert.deepEqual(rcv.of('join').map((e) => [e.node, e.room, e.client]), [['b', 'hall', 'd2']]);
    // A durable push, through a, to a user homed on c that is offline.
    const away = userHomedOn(['a', 'b', 'c'], 'c', 'away', 'hk');
    const p = await pushTo(a, [away], 'later');
    const u = await until(() => rcv.of('undelivered', (e) => e.user === away)[0], { what: 'undelivered from c' });
    assert.equal(u.message, p.json.id);
    await Promise.all([s1.close(), s2.close(), s3.close()]);
    await until(() => rcv.of('disconnect', (e) => e.user === user).length === 3, { what: 'three disconnects' });
    assert.deepEqual(rcv.of('disconnect', (e) => e.user === user).map((e) => e.node).sort(), ['a', 'a', 'b']);
    await until(() => rcv.of('offline').length >= 1, { timeout: 10000, what: 'the offline' });
    // Behind any duplicate a node could have sent: an online from each
    // node (a user homed there), emitted after the sessions ended.
    for (const n of ['a', 'b', 'c']) {
      const marker = userHomedOn(['a', 'b', 'c'], n, `marker-${n}-`, 'hk');
      const m = await open(b, marker);
      await until(() => rcv.of('online', (e) => e.user === marker).length === 1, { what: `the marker online from ${n}` });
      await m.close();
    }
    assert.equal(rcv.of('online', (e) => e.user === user).length, 1, 'one online');
    assert.equal(rcv.of('offline', (e) => e.user === user).length, 1, 'one offline');
    assert.equal(rcv.unsigned(), 0);
    // Asked through one node, the queue of every node.
    const st = await api(b, 'GET', '/v1/webhooks', { auth: HK });
    assert.equal(st.status, 200);
    assert.deepEqual(st.json.nodes.map((n) => n.node), ['a', 'b', 'c']);
    assert.ok(st.json.nodes.every((n) => n.loaded && n.last_error === null));
    assert.ok(st.json.nodes.find((n) => n.node === 'c').delivered >= 1);
  } finally {
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    await rcv.close();
  }
});

test('https receivers: checked against node.hook_ca and the URL host; an untrusted one fails', async () => {
  const ca = makeCA('hooks CA');
  const good = await startReceiver('whsec', { tls: makeCert(ca, 'receiver') });
  const other = makeCA('someone else');
  const bad = await startReceiver('whsec', { tls: makeCert(other, 'impostor') });
  const ns = (name, url) => `[namespace.${name}]
secret = ${name}-secret
webhook_url = ${url}
webhook_secret = whsec
webhook_events = undelivered
`;
  const node = await startNode({
    name: 'w6',
    args: [`--node.hook_ca=${ca.cert}`],
    extra: ns('tlsok', good.url('/hooks', 'localhost')) + ns('tlsip', good.url()) + ns('tlsbad', bad.url()),
  });
  try {
    for (const name of ['tlsok', 'tlsip', 'tlsbad'])
      assert.equal((await api(node, 'POST', '/v1/push', { auth: { basic: `${name}:${name}-secret` }, body: { to: { users: ['nobody'] }, data: name, ttl: 60 } })).status, 200);
    await until(() => good.of('undelivered').length === 2, { what: 'both https deliveries (by name and by address)' });
    assert.deepEqual(good.of('undelivered').map((e) => e.ns).sort(), ['tlsip', 'tlsok']);
    const st = await until(async () => {
      const r = await api(node, 'GET', '/v1/webhooks', { auth: { basic: 'tlsbad:tlsbad-secret' } });
      return r.json.nodes[0].last_error && r.json;
    }, { what: 'the untrusted receiver failing' });
    assert.match(st.nodes[0].last_error, /TLS|certificate/);
    assert.equal(st.nodes[0].queued, 1);
    assert.equal(bad.posts.length, 0, 'nothing sent to a receiver herald cannot verify');
  } finally {
    await node.stop();
    await good.close();
    await bad.close();
  }
});

test('a hook_ca that cannot be read stops the node', async () => {
  const n = await startNode({ name: 'w7', args: ['--node.hook_ca=/nonexistent/ca.pem'], ready: false });
  const r = await n.exited;
  assert.notEqual(r.code, 0);
  assert.match(n.log(), /hook_ca/);
});

test("one namespace's dead receiver delays no other namespace's events", async () => {
  const dead = await startReceiver('whsec');
  dead.behave = () => 'hang';
  const live = await startReceiver('whsec');
  const ns = (name, url) => `[namespace.${name}]
secret = ${name}-secret
webhook_url = ${url}
webhook_secret = whsec
webhook_events = undelivered
webhook_timeout = 60
`;
  const node = await startNode({ name: 'w8', extra: ns('stuck', dead.url()) + ns('fine', live.url()) });
  try {
    const send = (name, i) => api(node, 'POST', '/v1/push', { auth: { basic: `${name}:${name}-secret` }, body: { to: { users: [`x${i}`] }, data: i, ttl: 60 } });
    for (let i = 0; i < 5; i++) assert.equal((await send('stuck', i)).status, 200);
    await until(() => dead.posts.length >= 1, { what: 'the dead receiver holding a batch' });
    for (let i = 0; i < 5; i++) assert.equal((await send('fine', i)).status, 200);
    // Delivered while the other namespace's POST hangs (its timeout is 60 s).
    await until(() => live.of('undelivered').length === 5, { what: "the live namespace's five events" });
    const st = await api(node, 'GET', '/v1/webhooks', { auth: { basic: 'stuck:stuck-secret' } });
    assert.equal(st.json.nodes[0].in_flight, true);
    assert.equal(st.json.nodes[0].queued, 5);
  } finally {
    await node.stop();
    await dead.close();
    await live.close();
  }
});
