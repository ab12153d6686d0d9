// Socket.IO in a 3-node cluster with no sticky sessions: a round-robin
// proxy sends each polling request (and the upgrade) of one client to the
// next node. The node a request reaches relays it to the node holding the
// Engine.IO session (the sid names it) over the cluster; an upgrade that
// lands elsewhere stays there and is bridged to the holder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startCluster, Client, api, push, tokenFor, until } from './lib/herald.mjs';
import { sioConnect, sioNext, sioCall } from './lib/sio.mjs';
import { startRoundRobin } from './lib/rr_proxy.mjs';

let nodes, proxy;
before(async () => {
  nodes = await startCluster(['a', 'b', 'c']);
  proxy = await startRoundRobin(nodes.map((n) => n.port));
});
after(async () => {
  await proxy?.close();
  await Promise.all((nodes || []).map((n) => n.stop()));
});

for (const [name, opts, ends] of [
  ['polling only', { transports: ['polling'], upgrade: false }, 'polling'],
  ['polling then upgrade', {}, 'websocket'],
]) {
  test(`${name} through a round-robin proxy over three nodes`, async () => {
    const tag = name.replace(/\W/g, '');
    const before = proxy.hits.slice();
    const s = await sioConnect(null, { url: proxy.base, user: `rr${tag}`, client: 'dev', ...opts });
    const native = await Client.open(nodes[2], { user: `nat${tag}` });
    try {
      const room = `rr-${tag}`;
      assert.equal((await sioCall(s, 'join', { rooms: [room] })).ok, true);
      assert.equal((await native.join(room)).ok, true);
      if (ends === 'websocket' && s.io.engine.transport.name !== 'websocket')
        await new Promise((ok) => s.io.engine.once('upgrade', ok));
      assert.equal(s.io.engine.transport.name, ends);
      // Pushes accepted on every node reach it, in order, once each.
      for (let i = 0; i < 6; i++) {
        const r = await push(nodes[i % 3], { to: { rooms: [room] }, data: { i } });
        assert.equal(r.status, 200);
      }
      for (let i = 0; i < 6; i++) assert.equal((await sioNext(s, 'message', (m) => m.room === room)).data.i, i);
      // Its publishes reach a native member on another node.
      const rep = await sioCall(s, 'publish', { to: { rooms: [room] }, data: { from: 'sio' } });
      assert.equal(rep.ok, true);
      assert.equal((await native.message((m) => m.data.from === 'sio')).id, rep.message);
      // A durable push to its user, acked.
      const d = await push(nodes[1], { to: { users: [`rr${tag}`] }, data: { durable: 1 }, ttl: 60 });
      const m = await sioNext(s, 'message', (x) => x.data?.durable === 1);
      assert.equal((await sioCall(s, 'ack', { ids: [m.id] })).ok, true);
      await until(async () => (await api(nodes[0], 'GET', `/v1/messages/${d.json.id}`)).json.acked === 1, { what: 'acked' });
      // The requests really went to more than one node.
      const used = proxy.hits.map((h, i) => h - before[i]).filter((h) => h > 0).length;
      assert.ok(used >= 2, `requests reached ${used} node(s)`);
      const u = await api(nodes[0], 'GET', `/v1/users/rr${tag}`);
      assert.equal(u.json.online, true);
      assert.equal(u.json.sessions.length, 1, 'one session, not one per node it touched');
    } finally { s.close(); await native.close(); }
    await until(async () => !(await api(nodes[0], 'GET', `/v1/users/rr${tag}`)).json.online, { what: 'offline after close' });
  });
}

// Explicit nodes, below socket.io-client: the handshake on a, polls on b,
// the upgrade on c.
test('a session opened on one node is polled on another and upgraded on a third', async () => {
  const [a, b, c] = nodes;
  const url = (n, q) => `${n.base}/socket.io/?EIO=4&transport=polling${q}`;
  const open = JSON.parse((await (await fetch(url(a, ''))).text()).slice(1));
  const sid = open.sid;
  const post = (n, body) => fetch(url(n, `&sid=${sid}`), { method: 'POST', body });
  const poll = async (n) => (await fetch(url(n, `&sid=${sid}`))).text();
  assert.equal(await (await post(b, `40/demo,${JSON.stringify({ token: tokenFor('hop') })}`)).text(), 'ok');
  const connected = await poll(c);
  assert.match(connected, /^40\/demo,\{"sid":"s/);
  assert.equal(await (await post(a, '42/demo,1["join",{"rooms":["hop"]}]')).text(), 'ok');
  assert.match(await poll(b), /^43\/demo,1\[\{"type":"reply","id":1,"ok":true,"ts":\d+\}\]$/);
  // The upgrade at c: probe, then 5, then frames both ways.
  const ws = new WebSocket(`ws://127.0.0.1:${c.port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  const frames = [];
  ws.on('message', (d) => frames.push(d.toString()));
  const nextFrame = (pred, what) => until(() => frames.find(pred), { what });
  await new Promise((ok, no) => { ws.once('open', ok); ws.once('error', no); });
  ws.send('2probe');
  await nextFrame((f) => f === '3probe', '3probe');
  // A poll that reaches the holder after the probe (here relayed from a)
  // ends at once with a noop: held, the client would wait a ping interval
  // before it could send "5".
  const during = await fetch(url(a, `&sid=${sid}`), { signal: AbortSignal.timeout(5000) });
  assert.equal(await during.text(), '6');
  ws.send('5');
  await push(b, { to: { rooms: ['hop'] }, data: { over: 'ws' } });
  const m = await nextFrame((f) => f.startsWith('42/demo,["message"'), 'the message over the bridged WebSocket');
  assert.equal(JSON.parse(m.slice('42/demo,'.length))[1].data.over, 'ws');
  ws.send('42/demo,2["leave",{"rooms":["hop"]}]');
  await nextFrame((f) => f.startsWith('43/demo,2['), 'the leave ack over the bridge');
  // Polling is over for this session: the holder says so wherever asked.
  assert.equal((await fetch(url(b, `&sid=${sid}`))).status, 400);
  ws.close();
  await until(async () => !(await api(a, 'GET', '/v1/users/hop')).json.online, { what: 'hop offline after the bridge closed' });
});

test('a sid of a node that is not a member is unknown everywhere', async () => {
  const r = await fetch(`${nodes[0].base}/socket.io/?EIO=4&transport=polling&sid=AAAA.bm9wZQ`);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, 1);
});

// The admin console's cluster view: each node's share of a namespace's
// numbers (native and Socket.IO sessions alike).
test('GET /v1/stats?nodes=1 gives each node its share', async () => {
  const [a, b] = nodes;
  const n1 = await Client.open(a, { user: 'per1' });
  const n2 = await Client.open(b, { user: 'per2' });
  const s3 = await sioConnect(b, { user: 'per3', transports: ['websocket'] });
  try {
    const r = await until(async () => {
      const x = await api(nodes[2], 'GET', '/v1/stats?nodes=1');
      const by = Object.fromEntries(x.json.nodes.map((n) => [n.node, n.connections]));
      return by.a >= 1 && by.b >= 2 && x;
    }, { what: 'per-node connections' });
    assert.equal(r.json.nodes.length, 3);
    assert.deepEqual(r.json.nodes.map((n) => n.node).sort(), ['a', 'b', 'c']);
    assert.equal(r.json.connections, r.json.nodes.reduce((s, n) => s + n.connections, 0), 'the total is the sum');
    assert.ok('published' in r.json.nodes[0].messages);
    const plain = await api(nodes[2], 'GET', '/v1/stats');
    assert.equal(plain.json.nodes, undefined);
  } finally { await n1.close(); await n2.close(); s3.close(); }
});
