// light-push's own client example (seed 004: connect to /demo?uuid=…&userid=…
// with path /push/socket.io/, joinRoom with an ack, `push` events acked with
// ackPush) runs unchanged against a herald configured for it: the
// namespace speaks light-push's vocabulary (socketio_events = lightpush)
// and its connect callback admits the client by the userid in its query.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { io } from 'socket.io-client';
import { startNode, api, push, until } from './lib/herald.mjs';

const calls = [];
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => { raw += d; });
  req.on('end', () => {
    const body = JSON.parse(raw);
    calls.push(body);
    const user = body.query.userid;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(user ? { allow: true, user } : { allow: false, status: 401, code: 'unauthorized', message: 'who are you?' }));
  });
});

let node;
before(async () => {
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  node = await startNode({
    args: ['--node.socketio_path=/push/socket.io/', '--namespace.demo.socketio_events=lightpush',
      `--namespace.demo.auth_url=http://127.0.0.1:${receiver.address().port}/auth`],
  });
});
after(async () => {
  await node.stop();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

test('light-push client example runs unchanged', async () => {
  const uuid = 'device-42';
  const userid = 'lp-user';
  const log = [];
  const console = { log: (s) => log.push(s) };
  const base = node.base;
  // ---- seed 004's client, verbatim but for the address ----
  // demo为命名空间;uuid为客户端唯一标示;userid为客户端所属的用户ID
  let socket = io.connect(base + '/demo?uuid=' + uuid + '&userid=' + userid, {
    path: '/push/socket.io/'
  });
  socket.on('connect', function () {
    // 客户端主动加入房间
    socket.emit('joinRoom', ['room1'], function (result) {
      console.log('joinRoom:' + JSON.stringify(result));
    });
    // 接收服务器端的推送消息
    socket.on('push', function (data) {
      console.log('push:' + JSON.stringify(data));
      // 消息确认回执
      socket.emit('ackPush', { id: data.id });
    });
    // 客户端主动离开房间
    socket.emit('leaveRoom', ['room2'], function (result) {
      console.log('leaveRoom:' + JSON.stringify(result));
    });
  });
  // ---- end of the example ----
  try {
    await until(() => log.some((l) => l.startsWith('joinRoom:')) && log.some((l) => l.startsWith('leaveRoom:')), { what: 'both acks' });
    const joined = JSON.parse(log.find((l) => l.startsWith('joinRoom:')).slice(9));
    assert.deepEqual([joined.type, joined.id, joined.ok], ['reply', 0, true]);
    assert.equal(JSON.parse(log.find((l) => l.startsWith('leaveRoom:')).slice(10)).ok, true);
    // The connect callback saw the example's query and named the user.
    assert.equal(calls.at(-1).query.uuid, uuid);
    assert.equal(calls.at(-1).ns, 'demo');
    const u = await api(node, 'GET', `/v1/users/${userid}`);
    assert.equal(u.json.online, true);
    assert.equal(u.json.sessions[0].client, uuid, 'uuid is the device id');
    // A room push and a durable user push arrive as `push` and are acked.
    const r = await push(node, { to: { rooms: ['room1'] }, data: { text: 'to the room' } });
    const d = await push(node, { to: { users: [userid] }, data: { text: 'to the user' }, ttl: 60 });
    await until(() => log.filter((l) => l.startsWith('push:')).length >= 2, { what: 'two pushes' });
    const pushes = log.filter((l) => l.startsWith('push:')).map((l) => JSON.parse(l.slice(5)));
    assert.deepEqual(pushes.map((p) => p.id).sort(), [r.json.id, d.json.id].sort());
    await until(async () => (await api(node, 'GET', `/v1/messages/${d.json.id}`)).json.acked === 1, { what: 'ackPush acked it' });
    // The same device reconnecting gets nothing again: it acked.
    const devices = await api(node, 'GET', `/v1/users/${userid}/devices`);
    assert.equal(devices.json.devices[0].unacked, 0);
  } finally { socket.close(); }
});

test('without a userid the callback refuses: connect_error with its code', async () => {
  const s = io(node.base + '/demo?uuid=x', { path: '/push/socket.io/', reconnection: false });
  const err = await new Promise((ok) => s.once('connect_error', ok));
  s.close();
  assert.equal(err.data.code, 'unauthorized');
  assert.equal(err.message, 'who are you?');
});

test('the default path is not served when another is configured', async () => {
  const r = await fetch(`${node.base}/socket.io/?EIO=4&transport=polling`);
  assert.equal(r.status, 404);
});

test('socketio_events through the admin API', async () => {
  const admin = { bearer: 'admin-token' };
  const made = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'lp2', socketio_events: 'lightpush' } });
  assert.equal(made.status, 200, made.text);
  assert.equal(made.json.socketio_events, 'lightpush');
  const bad = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'lp3', socketio_events: 'socket.io' } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /socketio_events/);
});
