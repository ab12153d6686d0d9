// Ownership changes with durable state: when a key's owner changes while
// the old owner is alive, the old owner hands the key's inbox, device
// cursors and room history to the new one. Real herald processes on
// 127.0.0.1; every message answered 200 must reach every device, and a
// device that connects afterwards gets each message exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, freePort, Client, push, api, until, namespacesAnnounced } from './lib/herald.mjs';
import { owner, userKey, roomKey } from './lib/ring.mjs';

const clusterNames = async (node) => (await api(node, 'GET', '/v1/cluster')).json.nodes.map((n) => n.name).sort().join(',');
const metric = async (node, re) => {
  const m = (await api(node, 'GET', '/metrics', { auth: null })).text.match(re);
  return m ? Number(m[1]) : 0;
};

// Users named prefix0, prefix1, ...: `moving` whose owner is `to` once it
// joins `from`, and `staying` whose owner does not change.
function pickUsers(from, to, prefix, moving, staying) {
  const out = { moving: [], staying: [] };
  for (let i = 0; out.moving.length < moving || out.staying.length < staying; i++) {
    const u = `${prefix}${i}`;
    const list = owner([...from, to], userKey('demo', u)) === to ? out.moving : out.staying;
    if (list === out.moving ? list.length < moving : list.length < staying) list.push(u);
  }
  return out;
}
function roomOwnedBy(nodes, want, prefix) {
  for (let i = 0; ; i++) if (owner(nodes, roomKey('demo', `${prefix}${i}`)) === want) return `${prefix}${i}`;
}

// Acks every message it gets, like a real device.
async function ackingDevice(node, user, client) {
  const c = await Client.open(node, { user, client });
  c.ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === 'message') c.send({ type: 'ack', ids: [f.id] });
  });
  return c;
}

const receivedIds = (c) => c.messages().map((m) => m.id);

// A device that connects now gets exactly `ids`, each once, in this order.
async function backlogIsExactly(node, user, ids, what) {
  const d = await Client.open(node, { user, client: `fresh-${Date.now()}` });
  try {
    await until(async () => new Set(receivedIds(d)).size >= ids.length, { timeout: 10000, what: `${what}: backlog of ${user}` });
    await d.quiet();
    assert.deepEqual(receivedIds(d), ids, `${what}: ${user} gets each message once, in push order`);
  } finally {
    await d.close();
  }
}

test('a fourth node joins under a stream of durable pushes: nothing is lost, nothing doubled', async () => {
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const base = ['ha', 'hb', 'hc'];
  const nodes = [
    await startNode({ name: 'ha', cluster: { port: ports[0] } }),
    await startNode({ name: 'hb', cluster: { port: ports[1], seeds: [ports[0]] } }),
    await startNode({ name: 'hc', cluster: { port: ports[2], seeds: [ports[0]] } }),
  ];
  const devices = [];
  let joining;
  try {
    for (const n of nodes) await until(async () => (await clusterNames(n)) === 'ha,hb,hc', { timeout: 10000, what: 'membership' });
    // Members are listed before their namespace actors are announced, and
    // until then a node serves their keys itself; pushes in that window meet
    // the placement pass's handoffs (a clean-clone CI run got a 503,
    // request_receiver_down, on an early push). The case is hd's join.
    await namespacesAnnounced(nodes, base);
    const users = pickUsers(base, 'hd', 'join-', 6, 4);
    const all = [...users.moving, ...users.staying];
    const room = roomOwnedBy([...base, 'hd'], 'hd', 'join-room-');
    // Half the users have a device online (on various nodes) that acks all it gets.
    for (let i = 0; i < all.length; i += 2) devices.push({ user: all[i], c: await ackingDevice(nodes[i % 3], all[i], 'phone') });
    const pushed = Object.fromEntries(all.map((u) => [u, []]));
    const roomIds = [];
    let k = 0;
    const pushRound = async () => {
      const via = nodes[k % nodes.length];
      const user = all[k % all.length];
      const r = await push(via, { to: { users: [user] }, data: { k }, ttl: 3600 });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      pushed[user].push(r.json.id);
      if (k % 10 === 0) {
        const rr = await push(via, { to: { rooms: [room] }, data: { k } });
        assert.equal(rr.status, 200);
        roomIds.push(rr.json.id);
      }
      k++;
    };
    for (let i = 0; i < 60; i++) await pushRound();
    // hd joins while pushes keep coming.
    joining = startNode({ name: 'hd', cluster: { port: ports[3], seeds: [ports[0]] } });
    let hd;
    joining.then((n) => { hd = n; });
    const t0 = Date.now();
    while (!hd || (await clusterNames(nodes[0])) !== 'ha,hb,hc,hd') {
      await pushRound();
      assert.ok(Date.now() - t0 < 15000, 'hd joins within 15 s');
    }
    nodes.push(hd);
    for (const n of nodes) await until(async () => (await clusterNames(n)) === 'ha,hb,hc,hd', { timeout: 10000, what: 'hd seen by all' });
    // Keep pushing through the change, via every node, hd included.
    const t1 = Date.now();
    while (Date.now() - t1 < 2000) await pushRound();

    // The old owners handed the moving users and the room to hd.
    await until(async () => (await metric(hd, /herald_handoffs_total\{kind="user",side="merged"\} (\d+)/)) >= users.moving.length,
      { timeout: 15000, what: 'hd to merge every moving user' });
    await until(async () => (await metric(hd, /herald_handoffs_total\{kind="room",side="merged"\} (\d+)/)) >= 1,
      { timeout: 15000, what: 'hd to merge the room' });
    // Every online device got every message of its user.
    for (const { user, c } of devices) {
      const missing = () => pushed[user].filter((id) => !receivedIds(c).includes(id));
      await until(async () => missing().length === 0, { timeout: 15000, what: `${user}'s phone to get all` }).catch((e) => {
        throw new Error(`${e.message}: missing ${missing().length} of ${pushed[user].length} (${missing().slice(0, 5)}), got ${receivedIds(c).length}`);
      });
    }
    // A device connecting now, on any node, gets each message once, in order.
    for (let i = 0; i < all.length; i++) await backlogIsExactly(nodes[i % nodes.length], all[i], pushed[all[i]], 'after the join');
    // The acking phones got nothing twice and are owed nothing.
    for (const { user, c } of devices) {
      const got = receivedIds(c);
      assert.equal(new Set(got).size, pushed[user].length, `${user}'s phone: each message once`);
    }
    // The room's history moved with it: every room message once, in order.
    for (const n of nodes) {
      const h = await api(n, 'GET', `/v1/rooms/${room}/history?limit=100`);
      assert.equal(h.status, 200);
      // room_history is 100: the newest 100.
      assert.deepEqual(h.json.messages.map((m) => m.id), roomIds.slice(-100), `room history via ${n.name}`);
    }
  } finally {
    for (const { c } of devices) c.ws.terminate();
    // A failure while hd joins leaves it out of `nodes`: stopped here too,
    // or its process kept the file running to ctest's timeout (a CI run
    // hung 300 s after a failed push).
    const late = joining && (await joining.catch(() => null));
    if (late && !nodes.includes(late)) nodes.push(late);
    await Promise.all(nodes.map((n) => n.stop()));
  }
});

test('a dead node comes back: what the others stored for its users meanwhile is handed to it', async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const names = ['da', 'db', 'dc'];
  const dirB = mkdtempSync(join(tmpdir(), 'herald-handoff-b-'));
  const nodes = [
    await startNode({ name: 'da', cluster: { port: ports[0] } }),
    await startNode({ name: 'db', cluster: { port: ports[1], seeds: [ports[0]] }, dataDir: dirB }),
    await startNode({ name: 'dc', cluster: { port: ports[2], seeds: [ports[0]] } }),
  ];
  try {
    for (const n of nodes) await until(async () => (await clusterNames(n)) === 'da,db,dc', { timeout: 10000, what: 'membership' });
    // Users and a room owned by db (their interim owners are da or dc).
    const users = pickUsers(['da', 'dc'], 'db', 'back-', 4, 0).moving;
    const room = roomOwnedBy(names, 'db', 'back-room-');
    const pushed = Object.fromEntries(users.map((u) => [u, []]));
    const roomIds = [];
    const round = async (via, tag) => {
      for (const u of users) {
        const r = await push(via, { to: { users: [u] }, data: tag, ttl: 3600 });
        assert.equal(r.status, 200);
        pushed[u].push(r.json.id);
      }
      const rr = await push(via, { to: { rooms: [room] }, data: tag });
      assert.equal(rr.status, 200);
      roomIds.push(rr.json.id);
    };
    await round(nodes[0], 'before');
    const b = nodes[1];
    b.proc.kill('SIGKILL');
    await b.exited;
    for (const n of [nodes[0], nodes[2]]) await until(async () => (await clusterNames(n)) === 'da,dc', { timeout: 10000, what: 'db gone' });
    // Stored by the interim owners while db is away.
    await round(nodes[0], 'during-1');
    await round(nodes[2], 'during-2');
    nodes[1] = await startNode({ name: 'db', cluster: { port: ports[1], seeds: [ports[0]] }, dataDir: dirB, port: b.port });
    for (const n of nodes) await until(async () => (await clusterNames(n)) === 'da,db,dc', { timeout: 10000, what: 'db back' });
    await until(async () => (await metric(nodes[1], /herald_handoffs_total\{kind="user",side="merged"\} (\d+)/)) >= users.length,
      { timeout: 15000, what: 'db to merge its users back' });
    for (let i = 0; i < users.length; i++) await backlogIsExactly(nodes[i % 3], users[i], pushed[users[i]], 'after the return');
    for (const n of nodes) {
      const h = await api(n, 'GET', `/v1/rooms/${room}/history?limit=100`);
      assert.deepEqual(h.json.messages.map((m) => m.id), roomIds, `room history via ${n.name}`);
    }
    // The interim owners are the ones that handed them.
    let sent = 0;
    for (const n of [nodes[0], nodes[2]]) sent += await metric(n, /herald_handoffs_total\{kind="user",side="sent"\} (\d+)/);
    assert.ok(sent >= users.length, `da and dc handed ${sent} users`);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dirB, { recursive: true, force: true });
  }
});
