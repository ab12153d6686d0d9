// Graceful drain (issue "Robustness"): SIGTERM on a cluster member makes it
// answer 503 on /readyz and to new WebSocket clients, hand every key it
// owns (active or only on its disk) to the next owners, and close its
// sessions with 1001 spread over node.drain_time, so that their clients
// reconnect elsewhere. Under a stream of durable pushes, every device gets
// everything, and a device that connects afterwards gets each message
// exactly once, in order. A lone node keeps the plain shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, freePort, Client, push, api, until } from './lib/herald.mjs';
import { owner, userKey } from './lib/ring.mjs';

const clusterNames = async (node) => (await api(node, 'GET', '/v1/cluster')).json.nodes.map((n) => n.name).sort().join(',');
const receivedIds = (c) => c.messages().map((m) => m.id);

// A device that acks everything and, sent away with 1001, reconnects to
// another node with the same device id (as the SDK does).
function roamingDevice(user, client, nodes, first) {
  const d = { user, client, got: [], closes: [], c: null };
  const connect = async (node) => {
    const c = await Client.open(node, { user, client });
    d.c = c;
    const take = (f) => {
      if (f.type !== 'message') return;
      d.got.push(f.id);
      c.send({ type: 'ack', ids: [f.id] });
    };
    // What came with the welcome (a backlog page can share its packet),
    // then everything after.
    for (const f of c.messages()) take(f);
    c.ws.on('message', (data) => take(JSON.parse(data.toString())));
    c.closed.then(({ code }) => {
      if (d.stopped) return;
      d.closes.push(code);
      const others = nodes.filter((n) => n !== node && n.proc.exitCode === null && !n.leaving);
      d.reconnect = connect(others[d.closes.length % others.length]);
    });
  };
  d.ready = connect(first);
  d.stop = async () => { d.stopped = true; await d.reconnect; await d.c.close(); };
  return d;
}

test('a member drains under a stream of durable pushes: its keys move, its clients move, nothing is lost', async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const names = ['da', 'db', 'dc'];
  const drainArgs = ['--node.drain_time=2', '--node.log_level=info'];
  const nodes = [
    await startNode({ name: 'da', cluster: { port: ports[0] }, args: drainArgs }),
    await startNode({ name: 'db', cluster: { port: ports[1], seeds: [ports[0]] }, args: drainArgs }),
    await startNode({ name: 'dc', cluster: { port: ports[2], seeds: [ports[0]] }, args: drainArgs }),
  ];
  const [da, db, dc] = nodes;
  const devices = [];
  try {
    for (const n of nodes) await until(async () => (await clusterNames(n)) === 'da,db,dc', { timeout: 10000, what: 'membership' });
    // Users owned by dc (they must move) and by the others; every user has
    // a device, a third of them connected to dc.
    const users = [];
    for (let i = 0, onDc = 0; users.length < 12; i++) {
      const u = `drain-${i}`;
      const ownedByDc = owner(names, userKey('demo', u)) === 'dc';
      if (ownedByDc ? onDc < 6 : users.length - onDc < 6) { users.push(u); onDc += ownedByDc; }
    }
    for (let i = 0; i < users.length; i++) {
      const d = roamingDevice(users[i], 'phone', nodes, nodes[i % 3]);
      await d.ready;
      devices.push(d);
    }
    // Some users have only stored messages on dc: their keys live on its disk.
    const pushed = Object.fromEntries(users.map((u) => [u, []]));
    let k = 0;
    let failures = 0;
    const pushOne = async () => {
      const user = users[k % users.length];
      const via = k % 2 ? da : db; // never through the leaving node
      k++;
      const r = await push(via, { to: { users: [user] }, data: { k }, ttl: 3600 });
      if (r.status === 200) pushed[user].push(r.json.id);
      else failures++;
    };
    for (let i = 0; i < 60; i++) await pushOne();

    dc.leaving = true;
    dc.proc.kill('SIGTERM');
    // At once: not ready, and new clients are refused.
    await until(async () => (await api(dc, 'GET', '/readyz', { auth: null }).catch(() => ({ status: 0 }))).status === 503,
      { timeout: 2000, what: 'dc /readyz to answer 503' });
    const stream = (async () => { while (dc.proc.exitCode === null) await pushOne(); })();
    const exit = await Promise.race([dc.exited, new Promise((r) => setTimeout(() => r(null), 30000))]);
    await stream;
    assert.ok(exit, 'dc ends within 30 s');
    assert.equal(exit.code, 0);
    assert.match(dc.log(), /drain: every key handed to its new owner/);
    assert.match(dc.log(), /drain: closing \d+ sessions over 2000 ms/);
    for (let i = 0; i < 40; i++) await pushOne();
    assert.equal(failures, 0, 'every push through the remaining nodes was answered 200');
    for (const n of [da, db]) await until(async () => (await clusterNames(n)) === 'da,db', { timeout: 10000, what: 'dc gone' });

    // Clients of dc were sent away with 1001 and came back elsewhere; every
    // device got every message of its user.
    for (const d of devices) {
      if (d.closes.length) assert.deepEqual(d.closes, [1001], `${d.user}: closed once, with 1001`);
      const missing = () => pushed[d.user].filter((id) => !d.got.includes(id));
      await until(() => missing().length === 0, { timeout: 15000, what: `${d.user}'s phone to get all` }).catch((e) => {
        const at = missing().map((id) => pushed[d.user].indexOf(id));
        throw new Error(`${e.message}: missing ${missing().length} of ${pushed[d.user].length} (at ${at}: ${missing()}; ` +
          `owner ${owner(names, userKey('demo', d.user))}, closes ${d.closes}, got ${d.got.length})`);
      });
    }
    assert.ok(devices.some((d) => d.closes.length === 1), 'some devices were on dc');
    // The handed-off state is whole: a new device gets each message once, in order.
    for (let i = 0; i < users.length; i++) {
      const fresh = await Client.open(nodes[i % 2], { user: users[i], client: 'fresh' });
      try {
        await until(() => new Set(receivedIds(fresh)).size >= pushed[users[i]].length,
          { timeout: 10000, what: `backlog of ${users[i]}` });
        await fresh.quiet();
        assert.deepEqual(receivedIds(fresh), pushed[users[i]], `${users[i]}: each message once, in push order`);
      } finally {
        await fresh.close();
      }
    }
  } finally {
    for (const d of devices) await d.stop().catch(() => {});
    for (const n of nodes) await n.stop();
  }
});

test('a lone node stops as before: no drain, /readyz 200 until then', async () => {
  const node = await startNode({ args: ['--node.drain_time=5', '--node.log_level=info'] });
  const r = await api(node, 'GET', '/readyz', { auth: null });
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ready');
  const c = await Client.open(node, { user: 'lone' });
  const t0 = Date.now();
  const res = await node.stop();
  assert.equal(res.code, 0);
  assert.equal((await c.closed).code, 1001);
  assert.ok(Date.now() - t0 < 4000, 'no drain time spent');
  assert.doesNotMatch(node.log(), /drain:/);
});
