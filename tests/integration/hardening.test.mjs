// Input an attacker or an unlucky client would send, each case a defect
// found by trying (issue "Robustness"): deep JSON, ping floods from a peer
// that never reads, repeated targets, numbers at the edges, and small
// contract points (counting, ping ids, the cluster view).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startNode, Client, api, push, metric, until, tokenFor, jwt, refusal } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode({ args: ['--limits.send_queue=65536', '--limits.max_body=1048576'] }); });
after(async () => { await node.stop(); });

const deep = (levels) => '['.repeat(levels) + ']'.repeat(levels);

test('JSON nested deeper than 64 levels is refused wherever it comes in; 64 is fine', async () => {
  // ~200 KB, under max_body: stored and then read back recursively, it
  // crashed the node on every history read.
  const body = `{"to":{"rooms":["deep"]},"data":${deep(100000)}}`;
  let r = await api(node, 'POST', '/v1/push', { raw: body });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'bad_request');
  assert.match(r.json.error.message, /64 levels/);
  // The body itself is one level: data may be 63 more.
  r = await api(node, 'POST', '/v1/push', { raw: `{"to":{"rooms":["deep"]},"data":${deep(63)}}` });
  assert.equal(r.status, 200);
  r = await api(node, 'POST', '/v1/push', { raw: `{"to":{"rooms":["deep"]},"data":${deep(64)}}` });
  assert.equal(r.status, 400);
  const h = await api(node, 'GET', '/v1/rooms/deep/history');
  assert.equal(h.status, 200);
  assert.equal(h.json.messages.length, 1);
  assert.equal(JSON.stringify(h.json.messages[0].data), deep(63));
  // Client frames and admin bodies too.
  const c = await Client.open(node, { user: 'deep' });
  await c.join('deep');
  // Not read at all, so not even its id: an error frame.
  c.send({ type: 'publish', to: { rooms: ['deep'] }, data: JSON.parse(deep(70)), id: 1 });
  const refused = await c.next((f) => f.type === 'error');
  assert.equal(refused.error.code, 'bad_frame');
  assert.match(refused.error.message, /64 levels/);
  r = await api(node, 'POST', '/v1/admin/namespaces', { auth: { bearer: 'admin-token' }, raw: `{"name":"x","extra":${deep(5000)}}` });
  assert.equal(r.status, 400);
  assert.equal((await api(node, 'GET', '/healthz', { auth: null })).status, 200);
  await c.close();
});

// A masked client frame.
function frame(op, payload) {
  const head = Buffer.from([0x80 | op, 0x80 | payload.length]);
  const key = randomBytes(4);
  return Buffer.concat([head, key, Buffer.from(payload.map((b, i) => b ^ key[i & 3]))]);
}

test('a client that pings and never reads is closed at the send-queue bound (1013), memory bounded', async () => {
  const before = await metric(node, /^herald_slow_sessions_closed_total (\d+)/m);
  const rss0 = node.rssKb();
  const sock = createConnection({ host: '127.0.0.1', port: node.port });
  await new Promise((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  let upgraded = false;
  const up = new Promise((res) => sock.on('data', (d) => { if (!upgraded && d.toString().startsWith('HTTP/1.1 101')) { upgraded = true; sock.pause(); res(); } }));
  sock.write(`GET /v1/ws?ns=demo&token=${tokenFor('flood')} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await up;
  // 125-byte pings (the largest a control frame carries), never reading a
  // pong: the kernel's buffers fill first (a few MB), then the queue.
  let gone = false;
  sock.on('error', () => { gone = true; });
  sock.on('close', () => { gone = true; });
  const ping = frame(9, Buffer.alloc(125, 7));
  const chunk = Buffer.concat(Array(1000).fill(ping));
  let sent = 0;
  const end = Date.now() + 60000;
  while (!gone && sent < 1000000 && Date.now() < end) {
    if (!sock.write(chunk)) await new Promise((r) => { sock.once('drain', r); setTimeout(r, 200); });
    sent += 1000;
    if (await metric(node, /^herald_slow_sessions_closed_total (\d+)/m) > before) break;
  }
  await until(async () => await metric(node, /^herald_slow_sessions_closed_total (\d+)/m) > before,
    { timeout: 10000, what: 'the flooding session closed as too slow' });
  sock.destroy();
  // 1M such pings took RSS from 31 to 240 MB before; the bound is 64 KiB.
  assert.ok(node.rssKb() - rss0 < 64 * 1024, `RSS grew by ${node.rssKb() - rss0} KB after ${sent} pings`);
});

test('a target named twice is one target: one frame, one inbox record, one history entry', async () => {
  const c = await Client.open(node, { user: 'twice', client: 'phone' });
  await c.join('twice-room');
  const p = await push(node, { to: { users: Array(50).fill('twice') }, data: 'once', ttl: 60 });
  assert.equal(p.status, 200);
  assert.equal(p.json.sessions, 1);
  await c.message((f) => f.id === p.json.id);
  const pub = await c.request({ type: 'publish', to: { rooms: Array(100).fill('twice-room'), users: ['twice', 'twice'] }, data: 'mine' });
  assert.equal(pub.ok, true);
  // The direct copy (users: twice) arrives once; the room copy skips the publisher.
  await c.message((f) => f.id === pub.message);
  await c.quiet();
  assert.equal(c.messages().filter((f) => f.id === p.json.id || f.id === pub.message).length, 0);
  const h = await api(node, 'GET', '/v1/rooms/twice-room/history');
  assert.equal(h.json.messages.length, 1);
  await c.close();
  // Offline: the push replays once, not 50 times.
  const again = await Client.open(node, { user: 'twice', client: 'phone' });
  const first = await again.message((f) => f.id === p.json.id);
  assert.equal(first.data, 'once');
  await again.quiet();
  assert.equal(again.messages().filter((f) => f.id === p.json.id).length, 0);
  await again.close();
});

test('a token with exp -1 has expired; message_ttl through the admin API has the config file\'s bound', async () => {
  const r = await refusal(node, `/v1/ws?ns=demo&token=${jwt('demo-secret', { sub: 'old', exp: -1 })}`);
  assert.equal(r.status, 401);
  assert.match(r.body.error.message, /expired/);
  const admin = { bearer: 'admin-token' };
  let a = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'ttl-huge', message_ttl: 9223372036854775807 } });
  assert.equal(a.status, 400);
  assert.match(a.json.error.message, /message_ttl/);
  a = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'ttl-huge', message_ttl: 315360001 } });
  assert.equal(a.status, 400);
  a = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'ttl-ok', message_ttl: 315360000, room_history: 100000 } });
  assert.equal(a.status, 200);
  a = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'hist-huge', room_history: 100001 } });
  assert.equal(a.status, 400);
});

test('deleting a namespace takes its sessions off the herald_connections gauge', async () => {
  const admin = { bearer: 'admin-token' };
  const made = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'gone-soon' } });
  assert.equal(made.status, 200);
  const gauge = () => metric(node, /^herald_connections (\d+)/m);
  const base = await gauge();
  const tok = jwt(made.json.secret, { sub: 'u' });
  const cs = await Promise.all([1, 2, 3].map(() => Client.open(node, { ns: 'gone-soon', token: tok })));
  assert.equal(await gauge(), base + 3);
  assert.equal((await api(node, 'DELETE', '/v1/admin/namespaces/gone-soon', { auth: admin })).status, 200);
  for (const c of cs) assert.equal((await c.closed).code, 4000);
  await until(async () => (await gauge()) === base, { what: `herald_connections back to ${base}` });
});

test('a ping with an id is answered by a reply with that id; without one, by a pong', async () => {
  const c = await Client.open(node, { user: 'pinger' });
  const r = await c.request({ type: 'ping' });
  assert.equal(r.ok, true);
  c.send({ type: 'ping' });
  await c.next((f) => f.type === 'pong');
  await c.close();
});

test('GET /v1/cluster with the admin token needs no namespace', async () => {
  const r = await api(node, 'GET', '/v1/cluster', { auth: { bearer: 'admin-token' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.self, node.name);
  assert.equal((await api(node, 'GET', '/v1/cluster', { auth: { bearer: 'wrong' } })).status, 401);
  assert.equal((await api(node, 'POST', '/v1/cluster', { auth: { bearer: 'admin-token' } })).status, 405);
});

test('real clients read 413 for a body over max_body and 1009 for a frame over max_frame (lingering close)', async () => {
  // 20 MiB from Node's fetch against max_body 1 MiB: the answer, not EPIPE.
  for (let i = 0; i < 3; i++) {
    const r = await api(node, 'POST', '/v1/push', { raw: Buffer.alloc(20 << 20, 0x20), timeout: 20000 });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'too_large');
  }
  // 1.1 MiB and 4 MiB frames from the ws package against max_frame 64 KiB.
  for (const size of [1.1 * (1 << 20), 4 << 20]) {
    const c = await Client.open(node, { user: 'big-frame' });
    c.ws.send('x'.repeat(Math.floor(size)));
    const closed = await Promise.race([c.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('no close within 10 s')), 10000))]);
    assert.equal(closed.code, 1009, `a ${size}-byte frame closed with ${closed.code}`);
  }
});
