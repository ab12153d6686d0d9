// The Socket.IO endpoint with the real socket.io-client from npm: every
// transport (websocket only, polling then upgrade, polling only), the
// events with their acknowledgements, durable delivery with acks, refusals,
// and native and Socket.IO sessions side by side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, api, push, tokenFor, jwt, until } from './lib/herald.mjs';
import { sioConnect, sioNext, sioCall } from './lib/sio.mjs';

let node;
before(async () => { node = await startNode({ args: ['--node.socketio_ping_interval=1', '--node.socketio_ping_timeout=1'] }); });
after(async () => { await node.stop(); });

const TRANSPORTS = [
  ['websocket only', { transports: ['websocket'] }, 'websocket'],
  ['polling then upgrade', {}, 'websocket'],
  ['polling only', { transports: ['polling'], upgrade: false }, 'polling'],
];

for (const [name, opts, ends] of TRANSPORTS) {
  test(`${name}: join, push, publish and ack with acknowledgements`, async () => {
    const tag = name.replace(/\W/g, '');
    const a = await sioConnect(node, { user: `a${tag}`, client: 'pc', ...opts });
    const b = await sioConnect(node, { user: `b${tag}`, ...opts });
    try {
      const room = `room-${tag}`;
      const joined = await sioCall(a, 'join', { rooms: [room] });
      assert.deepEqual([joined.type, joined.id, joined.ok], ['reply', 0, true]);
      assert.ok(Math.abs(joined.ts - Date.now()) < 60000, 'the join reply tells the server time');
      assert.equal((await sioCall(b, 'join', { rooms: [room] })).ok, true);
      const pushed = await push(node, { to: { rooms: [room] }, data: { n: 1 } });
      assert.equal(pushed.status, 200);
      const m = await sioNext(a, 'message', (x) => x.data?.n === 1);
      assert.equal(m.type, 'message');
      assert.equal(m.room, room);
      assert.equal(m.from, 'api');
      await sioNext(b, 'message', (x) => x.data?.n === 1);
      // A client publish: the others get it, the sender does not.
      const rep = await sioCall(a, 'publish', { to: { rooms: [room] }, data: { n: 2 } });
      assert.equal(rep.ok, true);
      assert.match(rep.message, /./);
      const got = await sioNext(b, 'message', (x) => x.data?.n === 2);
      assert.equal(got.id, rep.message);
      assert.equal(got.from, `a${tag}`);
      // A durable push to a's user, acked through the event.
      const d = await push(node, { to: { users: [`a${tag}`] }, data: { n: 3 }, ttl: 60 });
      const dm = await sioNext(a, 'message', (x) => x.data?.n === 3);
      assert.equal((await sioCall(a, 'ack', { ids: [dm.id] })).ok, true);
      await until(async () => (await api(node, 'GET', `/v1/messages/${d.json.id}`)).json.acked === 1, { what: 'acked receipt' });
      // Leave: no more room messages.
      assert.equal((await sioCall(b, 'leave', { rooms: [room] })).ok, true);
      await push(node, { to: { rooms: [room] }, data: { n: 4 } });
      await sioNext(a, 'message', (x) => x.data?.n === 4);
      assert.equal((await sioCall(b, 'join', { rooms: ['marker'] })).ok, true);  // a round trip after the push
      assert.ok(!b.got.some((g) => g.args[0]?.data?.n === 4), 'b left the room');
      if (ends === 'websocket' && a.io.engine.transport.name !== 'websocket')
        await new Promise((ok) => a.io.engine.once('upgrade', ok));
      assert.equal(a.io.engine.transport.name, ends);
      // Presence counts Socket.IO sessions.
      const u = await api(node, 'GET', `/v1/users/a${tag}`);
      assert.equal(u.json.online, true);
      assert.equal(u.json.sessions[0].client, 'pc');
      assert.equal(u.json.sessions[0].session, a.id);
    } finally { a.close(); b.close(); }
  });
}

test('a durable push to an offline device arrives on reconnect and is not sent again once acked', async () => {
  const first = await sioConnect(node, { user: 'off1', client: 'tab' });
  first.close();
  await until(async () => !(await api(node, 'GET', '/v1/users/off1')).json.online, { what: 'off1 offline' });
  const p = await push(node, { to: { users: ['off1'] }, data: { kept: true }, ttl: 60 });
  assert.equal(p.status, 200);
  const again = await sioConnect(node, { user: 'off1', client: 'tab', transports: ['polling'], upgrade: false });
  const m = await sioNext(again, 'message', (x) => x.data?.kept);
  assert.equal(m.id, p.json.id);
  assert.equal((await sioCall(again, 'ack', { ids: [m.id] })).ok, true);
  again.close();
  await until(async () => !(await api(node, 'GET', '/v1/users/off1')).json.online, { what: 'off1 offline again' });
  const third = await sioConnect(node, { user: 'off1', client: 'tab', transports: ['websocket'] });
  assert.equal((await sioCall(third, 'join', { rooms: ['after'] })).ok, true);  // any replay comes before this reply
  assert.ok(!third.got.some((g) => g.event === 'message'), 'acked message not sent again');
  third.close();
});

test('refusals are CONNECT_ERROR packets with herald error codes', async () => {
  const cases = [
    [{ token: 'garbage' }, 'unauthorized', 401],
    [{ token: tokenFor('u1', 'quiet') }, 'unauthorized', 401],
    [{ token: jwt('demo-secret', { sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 }) }, 'unauthorized', 401],
    [{ auth: {} }, 'unauthorized', 401],
    [{ ns: 'nope', token: tokenFor('r1') }, 'not_found', 404],
    [{ client: 'x'.repeat(129) }, 'bad_request', 400],
  ];
  for (const [opts, code, status] of cases) {
    for (const transports of [['websocket'], ['polling']]) {
      const err = await sioConnect(node, { user: 'r1', transports, upgrade: false, ...opts }).then(() => null, (e) => e);
      assert.ok(err, `${JSON.stringify(opts)} refused`);
      assert.equal(err.data?.code, code, `${JSON.stringify(opts)}: ${err.message}`);
      assert.equal(err.data?.status, status);
      assert.ok(err.message.length > 0);
    }
  }
  // The token in the query works as in the auth payload.
  const q = await sioConnect(node, { auth: {}, query: { token: tokenFor('qq') } });
  assert.equal((await api(node, 'GET', '/v1/users/qq')).json.online, true);
  q.close();
});

test('native and Socket.IO sessions share a room both ways', async () => {
  const native = await Client.open(node, { user: 'nat' });
  const sio = await sioConnect(node, { user: 'sio' });
  try {
    assert.equal((await native.join('mixed')).ok, true);
    assert.equal((await sioCall(sio, 'join', { rooms: ['mixed'] })).ok, true);
    const r = await native.request({ type: 'publish', to: { rooms: ['mixed'] }, data: { from: 'native' } });
    assert.equal(r.ok, true);
    const m = await sioNext(sio, 'message', (x) => x.data?.from === 'native');
    assert.equal(m.from, 'nat');
    const r2 = await sioCall(sio, 'publish', { to: { rooms: ['mixed'] }, data: { from: 'sio' } });
    const m2 = await native.message((x) => x.data.from === 'sio');
    assert.equal(m2.id, r2.message);
    assert.equal(m2.from, 'sio');
    // A direct message to the Socket.IO user.
    await native.request({ type: 'publish', to: { users: ['sio'] }, data: { dm: 1 } });
    assert.equal((await sioNext(sio, 'message', (x) => x.data?.dm === 1)).room, undefined);
  } finally { await native.close(); sio.close(); }
});

test('bad events are answered with errors, not dropped', async () => {
  const s = await sioConnect(node, { user: 'bad', ns: 'quiet' });
  try {
    const unknown = await sioCall(s, 'dance', {});
    assert.equal(unknown.ok, false);
    assert.equal(unknown.error.code, 'unknown_type');
    const bad = await sioCall(s, 'join', { rooms: 'r1' });
    assert.equal(bad.error.code, 'bad_frame');
    const forbidden = await sioCall(s, 'publish', { to: { rooms: ['r1'] }, data: 1 });
    assert.equal(forbidden.error.code, 'forbidden');  // quiet: no client publish
    const binary = await sioCall(s, 'publish', { to: { rooms: ['r1'] }, data: Buffer.from([1, 2, 3]) });
    assert.equal(binary.ok, false);
    assert.match(binary.error.message, /binary/);
    // Without an ack callback the failure comes as an `error` event.
    s.emit('dance', {});
    const e = await sioNext(s, 'error');
    assert.equal(e.error.code, 'unknown_type');
    // The socket still works.
    assert.equal((await sioCall(s, 'join', { rooms: ['ok'] })).ok, true);
  } finally { s.close(); }
});

test('an API disconnect tells the client why and ends the socket', async () => {
  const s = await sioConnect(node, { user: 'kick' });
  const reason = new Promise((ok) => s.once('disconnect', ok));
  const why = sioNext(s, 'close');
  assert.equal((await api(node, 'POST', '/v1/users/kick/disconnect')).status, 200);
  assert.deepEqual(await why, { code: 4000, reason: 'disconnected through the API' });
  assert.equal(await reason, 'io server disconnect');
  await until(async () => !(await api(node, 'GET', '/v1/users/kick')).json.online, { what: 'kick offline' });
});

test('one Engine.IO session carries several namespaces', async () => {
  const { io } = await import('socket.io-client');
  const manager = new (await import('socket.io-client')).Manager(node.base, { transports: ['websocket'], reconnection: false });
  const d = manager.socket('/demo', { auth: { token: tokenFor('multi') } });
  const q = manager.socket('/quiet', { auth: { token: tokenFor('multi', 'quiet') } });
  await Promise.all([d, q].map((s) => new Promise((ok, no) => { s.once('connect', ok); s.once('connect_error', no); })));
  try {
    assert.equal((await d.timeout(5000).emitWithAck('join', { rooms: ['x'] })).ok, true);
    assert.equal((await q.timeout(5000).emitWithAck('join', { rooms: ['x'] })).ok, true);
    const got = new Promise((ok) => q.on('message', ok));
    let leaked = false;
    d.on('message', () => { leaked = true; });
    await push(node, { to: { rooms: ['x'] }, data: 'quiet only' }, 'quiet');
    assert.equal((await got).data, 'quiet only');
    assert.equal((await d.timeout(5000).emitWithAck('join', { rooms: ['y'] })).ok, true);
    assert.equal(leaked, false, 'namespaces stay apart on one connection');
    // Leaving one namespace keeps the other.
    d.disconnect();
    await until(async () => !(await api(node, 'GET', '/v1/users/multi')).json.online, { what: 'demo session gone' });
    assert.equal((await q.timeout(5000).emitWithAck('leave', { rooms: ['x'] })).ok, true);
    void io;
  } finally { manager.engine?.close(); }
});

// Engine.IO below socket.io-client: what the protocol says of bad requests
// and of a client that stops answering pings.
test('Engine.IO errors and the ping timeout', async () => {
  const get = (q) => fetch(`${node.base}/socket.io/?${q}`);
  let r = await get('EIO=3&transport=polling');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, 5);
  r = await get('EIO=4&transport=carrier-pigeon');
  assert.equal((await r.json()).code, 0);
  r = await get('EIO=4&transport=polling&sid=nope');
  assert.equal((await r.json()).code, 1);
  r = await fetch(`${node.base}/socket.io/?EIO=4&transport=polling`, { method: 'POST', body: '4x' });
  assert.equal((await r.json()).code, 2);
  // A handshake, then silence: the session ends after a ping goes unanswered.
  r = await get('EIO=4&transport=polling');
  const open = JSON.parse((await r.text()).slice(1));
  assert.equal(open.pingInterval, 1000);
  assert.deepEqual(open.upgrades, ['websocket']);
  const bad = await fetch(`${node.base}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`, { method: 'POST', body: '9' });
  assert.equal(bad.status, 400);  // a malformed payload ends the session
  r = await get('EIO=4&transport=polling');
  const open2 = JSON.parse((await r.text()).slice(1));
  const ping = await (await get(`EIO=4&transport=polling&sid=${open2.sid}`)).text();
  assert.equal(ping, '2');
  await until(async () => (await (await get(`EIO=4&transport=polling&sid=${open2.sid}`)).json().catch(() => ({}))).code === 1,
    { timeout: 6000, what: 'unanswered ping to end the session' });
});

test('after a node restart the client reconnects by itself and gets what it had not acked', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { freePort, startNode: start } = await import('./lib/herald.mjs');
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-sio-restart-'));
  const port = await freePort();
  let n = await start({ port, dataDir, keepData: true, name: 'restart' });
  const s = await sioConnect(n, { user: 'phoenix', client: 'ph', reconnection: true });
  try {
    const p1 = await push(n, { to: { users: ['phoenix'] }, data: { n: 1 }, ttl: 600 });
    await sioNext(s, 'message', (m) => m.data?.n === 1);  // received, not acked
    const back = new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error('no reconnect within 20 s')), 20000);
      s.io.once('reconnect', () => { clearTimeout(t); ok(); });
    });
    // Down long enough that the client's first attempt fails: it must keep
    // trying (a connect_error handler left by lib/sio.mjs closed it here).
    const failed = new Promise((ok) => s.io.once('reconnect_error', ok));
    await n.stop();
    await Promise.race([failed, new Promise((ok) => setTimeout(ok, 10000))]);
    n = await start({ port, dataDir, keepData: true, name: 'restart' });
    await back;
    const again = await sioNext(s, 'message', (m) => m.data?.n === 1, 10000);
    assert.equal(again.id, p1.json.id, 'the unacked message again after the restart');
    assert.equal((await sioCall(s, 'ack', { ids: [again.id] })).ok, true);
    await push(n, { to: { users: ['phoenix'] }, data: { n: 2 }, ttl: 600 });
    await sioNext(s, 'message', (m) => m.data?.n === 2);
  } finally {
    s.close();
    await n.stop();
    const { rmSync } = await import('node:fs');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('room since replays retained messages to a Socket.IO join; limits apply per session', async () => {
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await push(node, { to: { rooms: ['kept'] }, data: { i } })).json.id);
  const s = await sioConnect(node, { user: 'late' });
  try {
    assert.equal((await sioCall(s, 'join', { rooms: ['kept'], since: { kept: ids[0] } })).ok, true);
    const a = await sioNext(s, 'message', (m) => m.room === 'kept');
    const b = await sioNext(s, 'message', (m) => m.room === 'kept');
    assert.deepEqual([a.id, b.id], [ids[1], ids[2]]);
    const many = Array.from({ length: 101 }, (_, i) => `many${i}`);
    const refused = await sioCall(s, 'join', { rooms: many });
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, 'too_many_rooms');
    const stats = await api(node, 'GET', '/v1/stats');
    assert.ok(stats.json.connections >= 1);
  } finally { s.close(); }
});

test('a polling client that stops polling is closed when its queue is full (1013)', async () => {
  const get = (q) => fetch(`${node.base}/socket.io/?EIO=4&transport=polling${q}`);
  const open = JSON.parse((await (await get('')).text()).slice(1));
  const q = `&sid=${open.sid}`;
  const post = (body) => fetch(`${node.base}/socket.io/?EIO=4&transport=polling${q}`, { method: 'POST', body });
  assert.equal(await (await post(`40/demo,${JSON.stringify({ token: tokenFor('nopoll') })}`)).text(), 'ok');
  assert.match(await (await get(q)).text(), /^40\/demo,/);
  // No more GETs: 60 KB pushes pile up in its polling queue (1 MiB).
  const payload = 'x'.repeat(60000);
  for (let i = 0; i < 40; i++) await push(node, { to: { users: ['nopoll'] }, data: payload, ttl: 0 });
  await until(async () => !(await api(node, 'GET', '/v1/users/nopoll')).json.online, { what: 'nopoll closed' });
  const m = await api(node, 'GET', '/metrics', { auth: null });
  assert.match(m.text, /herald_sessions_closed_total\{code="1013"\} [1-9]/);
  assert.equal((await (await get(q)).json()).code, 1, 'the session is gone');
});

// Engine.IO clients give up when a ping is late: each session pings every
// interval exactly, and the node's pings are spread over the interval
// (net/ping_wheel.hpp), not sent all in one sweep.
test('Engine.IO pings come every interval, spread over it', async () => {
  const { default: WebSocket } = await import('ws');
  const slow = await startNode({ args: ['--node.socketio_ping_interval=3', '--node.socketio_ping_timeout=5'] });
  const sockets = [];
  try {
    const pings = [];
    for (let i = 0; i < 12; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${slow.port}/socket.io/?EIO=4&transport=websocket`);
      const times = [];
      pings.push(times);
      ws.on('message', (m) => {
        if (String(m) !== '2') return;
        times.push(Date.now());
        ws.send('3');
      });
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      sockets.push(ws);
    }
    await until(() => pings.every((p) => p.length >= 3), { timeout: 15000, what: 'three pings each' });
    const first = pings.map((p) => p[0]);
    const spread = Math.max(...first) - Math.min(...first);
    assert.ok(spread >= 1000, `the sessions' pings all came within ${spread} ms`);
    for (const p of pings)
      for (let k = 1; k < 3; k++) {
        const gap = p[k] - p[k - 1];
        assert.ok(gap >= 2500 && gap <= 3500, `pings ${gap} ms apart, the interval is 3000`);
      }
    assert.ok(sockets.every((ws) => ws.readyState === WebSocket.OPEN), 'a session ended');
  } finally {
    for (const ws of sockets) ws.terminate();
    await slow.stop();
  }
});
