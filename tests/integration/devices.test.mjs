// Device records: per (user, device) first seen, last connect and
// disconnect, node, remote address, user agent and the client's meta, with
// the device's unacked count; kept over restarts, moved with the user on a
// handoff; a device can be forgotten (with its cursor), idle ones pruned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, freePort, Client, api, push, until, refusal, tokenFor } from './lib/herald.mjs';
import { owner, userKey } from './lib/ring.mjs';

const devices = async (node, user) => {
  const r = await api(node, 'GET', `/v1/users/${encodeURIComponent(user)}/devices`);
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.json.devices.map((d) => [d.client, d]));
};
const meta = (o) => encodeURIComponent(JSON.stringify(o));

test('records follow connects and disconnects, count unacked messages, survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-devices-'));
  const port = await freePort();
  let node = await startNode({ dataDir: dir, port, name: 'd1' });
  try {
    const t0 = Date.now();
    const c = await Client.open(node, { user: 'dora', client: 'phone', query: `ns=demo&token=${tokenFor('dora')}&client=phone&meta=${meta({ os: 'ios', app: '2.1' })}`, headers: { 'user-agent': 'HeraldTest/1.0' } });
    let d = (await until(async () => (await devices(node, 'dora')).phone, { what: 'the record' }));
    assert.equal(d.online, true);
    assert.equal(d.node, 'd1');
    assert.equal(d.remote, '127.0.0.1');
    assert.equal(d.user_agent, 'HeraldTest/1.0');
    assert.deepEqual(d.meta, { os: 'ios', app: '2.1' });
    assert.ok(d.first_seen >= t0 && d.first_seen === d.last_connect);
    assert.equal(d.last_disconnect, null);
    assert.equal(d.unacked, 0);
    const first = d.first_seen;
    await c.close();
    d = await until(async () => { const x = (await devices(node, 'dora')).phone; return x.last_disconnect && !x.online && x; }, { what: 'the disconnect' });
    assert.ok(d.last_disconnect >= d.last_connect);

    // Durable pushes while it is away: unacked 3; after it takes two, 1.
    const ids = [];
    for (const n of [1, 2, 3]) ids.push((await push(node, { to: { users: ['dora'] }, data: n, ttl: 300 })).json.id);
    assert.equal((await devices(node, 'dora')).phone.unacked, 3);
    const c2 = await Client.open(node, { user: 'dora', client: 'phone' });
    for (const id of ids) await c2.message((m) => m.id === id);
    c2.send({ type: 'ack', ids: ids.slice(0, 2) });
    await c2.quiet();
    await until(async () => (await devices(node, 'dora')).phone.unacked === 1, { what: 'unacked 1' });
    d = (await devices(node, 'dora')).phone;
    assert.equal(d.first_seen, first, 'first seen stays');
    assert.ok(d.last_connect > first);
    await c2.close();
    await until(async () => !(await devices(node, 'dora')).phone.online, { what: 'offline again' });

    await node.stop();
    node = await startNode({ dataDir: dir, port, name: 'd1' });
    d = (await devices(node, 'dora')).phone;
    assert.equal(d.first_seen, first, 'kept over a restart');
    assert.equal(d.unacked, 1);
    assert.deepEqual(d.meta, { os: 'ios', app: '2.1' });
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DELETE forgets a device and its cursor; prune removes idle offline devices', async () => {
  const node = await startNode({ name: 'd2' });
  try {
    const id = (await push(node, { to: { users: ['eve'] }, data: 'x', ttl: 300 })).json.id;
    const a = await Client.open(node, { user: 'eve', client: 'old' });
    await a.message((m) => m.id === id);
    a.send({ type: 'ack', ids: [id] });
    await a.quiet();
    await a.close();
    const b = await Client.open(node, { user: 'eve', client: 'live' });
    await until(async () => { const x = await devices(node, 'eve'); return x.old && !x.old.online && x.live?.online; }, { what: 'both records' });
    assert.equal((await devices(node, 'eve')).old.unacked, 0);

    const del = await api(node, 'DELETE', '/v1/users/eve/devices/old');
    assert.equal(del.status, 200);
    assert.equal((await devices(node, 'eve')).old, undefined);
    assert.equal((await api(node, 'DELETE', '/v1/users/eve/devices/old')).status, 404);
    // Its cursor went too: connecting again, it gets the message it had acked.
    const again = await Client.open(node, { user: 'eve', client: 'old' });
    await again.message((m) => m.id === id);
    await again.close();
    await until(async () => (await devices(node, 'eve')).old?.online === false, { what: 'old offline' });

    for (const body of [{}, { idle_days: -1 }, { idle_days: 'x' }]) {
      const r = await api(node, 'POST', '/v1/devices/prune', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    assert.equal((await api(node, 'POST', '/v1/devices/prune', { body: { idle_days: 30 } })).json.removed, 0);
    const p = await api(node, 'POST', '/v1/devices/prune', { body: { idle_days: 0 } });
    assert.equal(p.status, 200);
    assert.equal(p.json.removed, 1, 'the offline one; the connected one stays');
    const left = await devices(node, 'eve');
    assert.deepEqual(Object.keys(left), ['live']);
    await b.close();
  } finally {
    await node.stop();
  }
});

test('bad meta is refused before the upgrade', async () => {
  const node = await startNode({ name: 'd3' });
  try {
    for (const m of ['not-json', encodeURIComponent('[1,2]'), meta({ big: 'x'.repeat(1100) })]) {
      const r = await refusal(node, `/v1/ws?ns=demo&token=${tokenFor('u')}&client=c&meta=${m}`);
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /meta/);
    }
  } finally {
    await node.stop();
  }
});

test('records move with the user when its home moves to a joining node', async () => {
  const [ca, cb] = [await freePort(), await freePort()];
  const a = await startNode({ name: 'ha', cluster: { port: ca } });
  let user;
  for (let i = 0; ; i++) if (owner(['ha', 'hb'], userKey('demo', `mover${i}`)) === 'hb') { user = `mover${i}`; break; }
  let b;
  try {
    const c = await Client.open(a, { user, client: 'tab', query: `ns=demo&token=${tokenFor(user)}&client=tab&meta=${meta({ v: 1 })}` });
    await c.close();
    const before = await until(async () => { const x = (await devices(a, user)).tab; return x?.last_disconnect && x; }, { what: 'record on a' });
    b = await startNode({ name: 'hb', cluster: { port: cb, seeds: [ca] } });
    await until(async () => (await api(b, 'GET', '/v1/cluster')).json.nodes.length === 2, { timeout: 10000, what: 'two nodes' });
    // b is the home now: its answer comes from its own store, once handed over.
    const moved = await until(async () => (await devices(b, user)).tab, { timeout: 15000, what: 'the record at the new home' });
    assert.equal(moved.first_seen, before.first_seen);
    assert.equal(moved.last_disconnect, before.last_disconnect);
    assert.deepEqual(moved.meta, { v: 1 });
    assert.deepEqual((await devices(a, user)).tab.first_seen, before.first_seen, 'asked through a, the same');
  } finally {
    await a.stop();
    if (b) await b.stop();
  }
});
