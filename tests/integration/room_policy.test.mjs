// Room permissions (namespace key room_policy): open (the default), token
// (claims `rooms` and `publish`), callback (subscribe_url, with a timeout,
// deny on failure, and a cache of allows). A refusal answers `forbidden`
// and says nothing of the room: the same for a room with members as for
// one that never existed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { startNode, Client, api, jwt, push, metric } from './lib/herald.mjs';

// The business system's subscribe endpoint: answers by `decide(body)`;
// records every call with its signature check.
let calls = [];
let decide = () => ({ status: 200, body: { allow: true } });
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => { raw += d; });
  req.on('end', async () => {
    const body = JSON.parse(raw);
    const want = 'sha256=' + createHmac('sha256', 'cb-secret').update(raw).digest('hex');
    calls.push({ body, signed: req.headers['x-herald-signature'] === want });
    const d = await decide(body);
    if (d === 'hang') return;  // never answers: herald's timeout decides
    res.writeHead(d.status, { 'content-type': 'application/json' });
    res.end(typeof d.body === 'string' ? d.body : JSON.stringify(d.body));
  });
});

let node, hookPort;
before(async () => {
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookPort = receiver.address().port;
  node = await startNode({
    extra: `[namespace.tok]
secret = tok-secret
client_publish = true
room_policy = token
[namespace.cb]
secret = cb-secret
client_publish = true
room_policy = callback
subscribe_url = http://127.0.0.1:${hookPort}/subscribe?app=1
subscribe_timeout = 1
subscribe_cache = 60
`,
  });
});
after(async () => {
  await node.stop();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const tok = (claims) => jwt('tok-secret', claims);
const openTok = (claims) => Client.open(node, { ns: 'tok', token: tok(claims) });
const roomPush = (ns, secret, room, data) =>
  api(node, 'POST', '/v1/push', { auth: { basic: `${ns}:${secret}` }, body: { to: { rooms: [room] }, data } });

test('open (the default): any token joins any room', async () => {
  const c = await Client.open(node, { user: 'anyone' });
  assert.equal((await c.join('whatever', 'else')).ok, true);
  await c.close();
});

test('token: exact names and prefixes from claim rooms; nothing else', async () => {
  const c = await openTok({ sub: 'alice', rooms: ['lobby', 'team.*'] });
  assert.equal((await c.join('lobby')).ok, true);
  assert.equal((await c.join('team.red', 'team.')).ok, true);
  for (const room of ['lobbyist', 'team', 'other', 'Team.red']) {
    const r = await c.join(room);
    assert.equal(r.ok, false, room);
    assert.equal(r.error.code, 'forbidden', room);
  }
  // One refused room refuses the whole join: nothing of it was joined.
  const mixed = await c.join('team.blue', 'secret');
  assert.equal(mixed.error.code, 'forbidden');
  assert.equal((await roomPush('tok', 'tok-secret', 'team.blue', 'x')).json.sessions, 0);
  assert.equal((await roomPush('tok', 'tok-secret', 'team.red', 'y')).json.sessions, 1);
  assert.equal((await c.message()).data, 'y');
  // A token without the claim joins nothing.
  const none = await openTok({ sub: 'bob' });
  assert.equal((await none.join('lobby')).error.code, 'forbidden');
  await c.close();
  await none.close();
});

test('token: a refusal is the same for a room with members and history as for an unknown one', async () => {
  const member = await openTok({ sub: 'm', rooms: ['vip'] });
  assert.equal((await member.join('vip')).ok, true);
  const sent = await roomPush('tok', 'tok-secret', 'vip', 'secret news');
  const outsider = await openTok({ sub: 'o', rooms: ['public'] });
  const a = await outsider.request({ type: 'join', rooms: ['vip'] });
  const b = await outsider.request({ type: 'join', rooms: ['nosuchroom'] });
  const strip = (r, room) => JSON.stringify({ ...r, id: 0 }).replaceAll(room, 'ROOM');
  assert.equal(strip(a, 'vip'), strip(b, 'nosuchroom'));
  // `since` (history through the WebSocket) is refused the same way.
  const s = await outsider.request({ type: 'join', rooms: ['vip'], since: { vip: sent.json.id } });
  assert.equal(s.error.code, 'forbidden');
  await outsider.quiet();
  assert.equal(outsider.messages().length, 0, 'no history leaked');
  // The namespace secret (HTTP API) is not restricted.
  const h = await api(node, 'GET', '/v1/rooms/vip/history', { auth: { basic: 'tok:tok-secret' } });
  assert.equal(h.status, 200);
  await member.close();
  await outsider.close();
});

test('token: publish only to rooms of claim publish, or of rooms when it is absent', async () => {
  const reader = await openTok({ sub: 'reader', rooms: ['news', 'chat'], publish: ['chat'] });
  assert.equal((await reader.join('news', 'chat')).ok, true);
  const p1 = await reader.request({ type: 'publish', to: { rooms: ['news'] }, data: 1 });
  assert.equal(p1.error.code, 'forbidden');
  assert.equal((await reader.request({ type: 'publish', to: { rooms: ['chat'] }, data: 2 })).ok, true);
  const writer = await openTok({ sub: 'writer', rooms: ['news'] });
  assert.equal((await writer.join('news')).ok, true);
  assert.equal((await writer.request({ type: 'publish', to: { rooms: ['news'] }, data: 3 })).ok, true);
  assert.equal((await reader.message()).data, 3);
  await reader.close();
  await writer.close();
});

test('token: a refresh brings the new token\'s room claims', async () => {
  const c = await openTok({ sub: 'grow', rooms: ['a'] });
  assert.equal((await c.join('b')).error.code, 'forbidden');
  const r = await c.request({ type: 'refresh', token: tok({ sub: 'grow', rooms: ['a', 'b'] }) });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal((await c.join('b')).ok, true);
  await c.close();
});

test('token: malformed room claims refuse the token at connect', async () => {
  for (const rooms of ['lobby', [1], [''], Array(1001).fill('r')]) {
    const q = `ns=tok&token=${encodeURIComponent(tok({ sub: 'x', rooms }))}`;
    const ws = new (await import('ws')).WebSocket(`ws://127.0.0.1:${node.port}/v1/ws?${q}`);
    const status = await new Promise((resolve) => {
      ws.on('unexpected-response', (req, res) => resolve(res.statusCode));
      ws.on('open', () => { ws.close(); resolve('open'); });
      ws.on('error', () => {});
    });
    assert.equal(status, 401, JSON.stringify(rooms).slice(0, 40));
  }
});

const openCb = (user, client) => Client.open(node, { ns: 'cb', user, token: jwt('cb-secret', { sub: user }), client });

test('callback: asks subscribe_url, signed, and joins on allow', async () => {
  calls = [];
  decide = (b) => ({ status: 200, body: { allow: b.room.startsWith('ok') } });
  const c = await openCb('carl', 'phone');
  assert.equal((await c.join('ok-1')).ok, true);
  assert.deepEqual(calls.map((x) => x.body), [{ ns: 'cb', user: 'carl', client: 'phone', room: 'ok-1' }]);
  assert.ok(calls[0].signed, 'X-Herald-Signature is the HMAC of the body with the namespace secret');
  const r = await c.join('no-1');
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'forbidden');
  assert.equal((await roomPush('cb', 'cb-secret', 'ok-1', 'hi')).json.sessions, 1);
  assert.equal((await c.message()).data, 'hi');
  await c.close();
});

test('callback: allows are cached per user, device and room; refusals are not', async () => {
  calls = [];
  decide = (b) => ({ status: 200, body: { allow: b.room !== 'never' } });
  const before = await metric(node, /^herald_subscribe_checks_total\{result="cached"\} (\d+)/m);
  const a = await openCb('dora', 'tab');
  assert.equal((await a.join('cached-room')).ok, true);
  await a.close();
  const b = await openCb('dora', 'tab');
  assert.equal((await b.join('cached-room')).ok, true);
  assert.equal(calls.length, 1, 'the second join of the same device used the cache');
  const other = await openCb('dora', 'desk');
  assert.equal((await other.join('cached-room')).ok, true);
  assert.equal(calls.length, 2, 'another device is asked about');
  assert.equal((await b.join('never')).error.code, 'forbidden');
  assert.equal((await b.join('never')).error.code, 'forbidden');
  assert.equal(calls.length, 4, 'a refusal is asked about again');
  assert.ok((await metric(node, /^herald_subscribe_checks_total\{result="cached"\} (\d+)/m)) > before);
  await b.close();
  await other.close();
});

test('callback: down, slow or wrong answers deny (forbidden), and the session goes on', async () => {
  const c = await openCb('erin');
  const cases = [
    ['500', () => ({ status: 500, body: { allow: true } })],
    ['not json', () => ({ status: 200, body: 'allow' })],
    ['no allow field', () => ({ status: 200, body: { ok: true } })],
    ['slow', () => 'hang'],
  ];
  for (const [what, d] of cases) {
    decide = d;
    const t0 = Date.now();
    const r = await c.request({ type: 'join', rooms: [`room-${what}`] }, 5000);
    assert.equal(r.ok, false, what);
    assert.equal(r.error.code, 'forbidden', what);
    if (what === 'slow') assert.ok(Date.now() - t0 >= 900, 'waited for subscribe_timeout (1 s)');
  }
  // Frames sent while a join waits keep their order behind it.
  decide = async () => { await new Promise((r) => setTimeout(r, 300)); return { status: 200, body: { allow: true } }; };
  c.send({ type: 'join', rooms: ['ordered'], id: 900 });
  c.send({ type: 'leave', rooms: ['ordered'], id: 901 });
  const j = await c.next((f) => f.type === 'reply' && f.id === 900);
  const l = await c.next((f) => f.type === 'reply' && f.id === 901);
  assert.equal(j.ok, true);
  assert.equal(l.ok, true);
  assert.equal((await roomPush('cb', 'cb-secret', 'ordered', 'z')).json.sessions, 0, 'the leave came after the join');
  // The receiver gone: deny.
  decide = () => ({ status: 200, body: { allow: true } });
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
  const down = await c.join('while-down');
  assert.equal(down.error.code, 'forbidden');
  await new Promise((r) => receiver.listen(hookPort, '127.0.0.1', r));
  assert.equal((await c.join('back-up')).ok, true);
  await c.close();
});

test('callback settings are checked: a URL, on a host of hook_hosts', async () => {
  const admin = { bearer: 'admin-token' };
  const bad = [
    [{ name: 'p1', room_policy: 'callback' }, /subscribe_url/],
    [{ name: 'p2', room_policy: 'callback', subscribe_url: 'http://10.1.2.3/sub' }, /hook_hosts/],
    [{ name: 'p3', room_policy: 'callback', subscribe_url: 'ftp://127.0.0.1/sub' }, /http:\/\//],
    [{ name: 'p4', room_policy: 'maybe' }, /room_policy/],
    [{ name: 'p5', subscribe_timeout: 0 }, /subscribe_timeout/],
  ];
  for (const [body, re] of bad) {
    const r = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.json.error.message, re);
  }
  const good = await api(node, 'POST', '/v1/admin/namespaces', {
    auth: admin, body: { name: 'p6', room_policy: 'token' },
  });
  assert.equal(good.status, 200);
  assert.equal(good.json.room_policy, 'token');
  const list = await api(node, 'GET', '/v1/admin/namespaces', { auth: admin });
  const cb = list.json.namespaces.find((n) => n.name === 'cb');
  assert.equal(cb.room_policy, 'callback');
  assert.equal(cb.subscribe_url, `http://127.0.0.1:${hookPort}/subscribe?app=1`);
  assert.equal(cb.secret, undefined);
});

test('a room_policy in config.ini that cannot work stops the node with a clear error', async () => {
  const n = await startNode({ extra: '[namespace.zz]\nsecret = s\nroom_policy = callback\n', ready: false });
  const r = await n.exited;
  assert.notEqual(r.code, 0);
  assert.match(n.log(), /subscribe_url/);
  await n.stop();
});

test('PATCH /v1/admin/namespaces/{ns} changes room_policy on a live namespace', async () => {
  const admin = { bearer: 'admin-token' };
  const made = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'live', secret: 'live-secret' } });
  assert.equal(made.status, 200);
  const open = (claims) => Client.open(node, { ns: 'live', token: jwt('live-secret', claims) });
  const before = await open({ sub: 'p' });
  assert.equal((await before.join('any')).ok, true);
  const p = await api(node, 'PATCH', '/v1/admin/namespaces/live', { auth: admin, body: { room_policy: 'token' } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.room_policy, 'token');
  assert.equal(p.json.secret, undefined);
  // Sessions open already are governed by the new policy from their next join.
  assert.equal((await before.join('other')).error.code, 'forbidden');
  const granted = await open({ sub: 'q', rooms: ['other'] });
  assert.equal((await granted.join('other')).ok, true);
  // Checked like a create; nothing changes when refused.
  for (const [body, status] of [[{ room_policy: 'callback' }, 400], [{ secret: 'x' }, 400], [{ name: 'y' }, 400],
    [{ subscribe_timeout: 99 }, 400], [[1], 400]]) {
    const r = await api(node, 'PATCH', '/v1/admin/namespaces/live', { auth: admin, body });
    assert.equal(r.status, status, JSON.stringify(body));
  }
  assert.equal((await api(node, 'PATCH', '/v1/admin/namespaces/nosuch', { auth: admin, body: {} })).status, 404);
  assert.equal((await api(node, 'PATCH', '/v1/admin/namespaces/live', { auth: { bearer: 'wrong' }, body: {} })).status, 401);
  const list = await api(node, 'GET', '/v1/admin/namespaces', { auth: admin });
  assert.equal(list.json.namespaces.find((n) => n.name === 'live').room_policy, 'token');
  // The old secret still works: a PATCH is not a rotation.
  assert.equal((await api(node, 'GET', '/v1/stats', { auth: { basic: 'live:live-secret' } })).status, 200);
  await before.close();
  await granted.close();
});
