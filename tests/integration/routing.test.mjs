// Routing in a 3-node cluster on 127.0.0.1: users and rooms live on their
// owner node; a client may connect to any node and reach all of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, freePort, Client, push, api, until, jwt, metric, namespacesAnnounced } from './lib/herald.mjs';
import { userHomedOn, roomHomedOn } from './lib/ring.mjs';

const NAMES = ['ra', 'rb', 'rc'];
let nodes, ports, dirB;
const byName = (n) => nodes.find((x) => x.name === n);
const clusterNames = async (node) => (await api(node, 'GET', '/v1/cluster')).json.nodes.map((n) => n.name).sort().join(',');

before(async () => {
  ports = [await freePort(), await freePort(), await freePort()];
  dirB = mkdtempSync(join(tmpdir(), 'herald-routing-b-'));
  const a = await startNode({ name: 'ra', cluster: { port: ports[0] } });
  const b = await startNode({ name: 'rb', cluster: { port: ports[1], seeds: [ports[0]] }, dataDir: dirB });
  const c = await startNode({ name: 'rc', cluster: { port: ports[2], seeds: [ports[1]] } });
  nodes = [a, b, c];
  for (const n of nodes) await until(async () => (await clusterNames(n)) === 'ra,rb,rc', { timeout: 10000, what: 'membership' });
  await namespacesAnnounced(nodes, NAMES);
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dirB, { recursive: true, force: true });
});

test('the JS and C++ rings agree: a room fans out from the home the JS ring names', async () => {
  for (const home of NAMES) {
    const room = roomHomedOn(NAMES, home, `agree-${home}-`);
    const c = await Client.open(nodes[0], { user: `agree-${home}` });
    await c.join(room);
    const before = await Promise.all(nodes.map((n) => metric(n, /^herald_room_fanout_messages_total (\d+)/m)));
    const r = await push(nodes[1], { to: { rooms: [room] }, data: home });
    await c.message((m) => m.id === r.json.id);
    const after = await Promise.all(nodes.map((n) => metric(n, /^herald_room_fanout_messages_total (\d+)/m)));
    // The fan-out is counted where the room actor lives: its home.
    assert.deepEqual(after.map((x, i) => x - before[i]), NAMES.map((n) => (n === home ? 1 : 0)), room);
    // Presence is the home's view: from every node it names the session.
    for (const n of nodes) assert.equal((await api(n, 'GET', `/v1/users/agree-${home}`)).json.sessions.length, 1);
    await c.close();
  }
});

test('a push via any node reaches a user connected to any node', async () => {
  for (let i = 0; i < 9; i++) {
    const on = nodes[i % 3], via = nodes[Math.floor(i / 3)];
    const user = `p2p-${i}`;
    const c = await Client.open(on, { user, client: 'd' });
    const r = await push(via, { to: { users: [user] }, data: i });
    assert.equal(r.status, 200);
    assert.equal(r.json.sessions, 1);
    assert.equal((await c.message((m) => m.id === r.json.id)).data, i);
    await c.close();
  }
});

test('a room with members on all three nodes: each gets each message once, one fan-out per node', async () => {
  const room = roomHomedOn(NAMES, 'ra', 'tri-');
  const members = await Promise.all(nodes.map((n, i) => Client.open(n, { user: `tri-${i}` })));
  for (const m of members) assert.equal((await m.join(room)).ok, true);
  const sum = async (re) => (await Promise.all(nodes.map((n) => metric(n, re)))).reduce((x, y) => x + y, 0);
  const fanBefore = await sum(/^herald_room_fanout_messages_total (\d+)/m);
  const interBefore = await sum(/^herald_internode_messages_total\{kind="room"\} (\d+)/m);
  const ids = [];
  for (let k = 0; k < 5; k++) {
    const r = await push(nodes[k % 3], { to: { rooms: [room] }, data: k });
    assert.equal(r.json.sessions, 3);
    ids.push(r.json.id);
  }
  for (const m of members) {
    const got = [];
    for (let k = 0; k < 5; k++) got.push((await m.message()).id);
    assert.deepEqual(got, ids, 'in order, once each');
    await m.quiet();
    assert.equal(m.messages().length, 0, 'no duplicates');
  }
  // One message per member node per broadcast (3 nodes x 5), two of them inter-node (home ra).
  assert.equal((await sum(/^herald_room_fanout_messages_total (\d+)/m)) - fanBefore, 15);
  assert.equal((await sum(/^herald_internode_messages_total\{kind="room"\} (\d+)/m)) - interBefore, 10);
  for (const n of nodes) assert.equal((await api(n, 'GET', `/v1/rooms/${room}`)).json.members, 3);
  // Each member as the room lists it: its session, user and node.
  const listed = (await api(nodes[2], 'GET', `/v1/rooms/${room}`)).json.sessions
    .map((s) => `${s.session} ${s.user} ${s.node}`).sort();
  assert.deepEqual(listed, members.map((m, i) => `${m.welcome.session} tri-${i} ${NAMES[i]}`).sort());
  // Client publish across nodes: no echo to the sender, once to the others.
  const rep = await members[1].request({ type: 'publish', to: { rooms: [room] }, data: 'hi' });
  assert.equal(rep.ok, true);
  for (const i of [0, 2]) assert.equal((await members[i].message((m) => m.id === rep.message)).from, 'tri-1');
  await members[1].quiet();
  assert.equal(members[1].messages().length, 0);
  for (const m of members) await m.close();
});

test('disconnect via a third node closes the user\'s sessions on both other nodes with 4000', async () => {
  // Homed on ra, connected to rb and rc, kicked through rc: the home's kick
  // reaches each session actor across the cluster.
  const user = userHomedOn(NAMES, 'ra', 'kick-');
  const onB = await Client.open(byName('rb'), { user, client: 'b' });
  const onC = await Client.open(byName('rc'), { user, client: 'c' });
  const other = await Client.open(byName('rb'), { user: `${user}-stays` });
  const r = await api(byName('rc'), 'POST', `/v1/users/${user}/disconnect`);
  assert.equal(r.status, 200);
  assert.equal(r.json.disconnected, 2);
  assert.equal((await onB.closed).code, 4000);
  assert.equal((await onC.closed).code, 4000);
  // Their ends reached the home: presence is empty everywhere.
  for (const n of nodes)
    await until(async () => (await api(n, 'GET', `/v1/users/${user}`)).json.sessions.length === 0, { what: `${user} gone on ${n.name}` });
  await other.quiet();
  await other.close();
});

test('a session on another node than its user\'s home leaves presence when it ends, with no actor for the user', async () => {
  const user = userHomedOn(NAMES, 'ra', 'away-');
  const online = async () => (await api(byName('ra'), 'GET', '/v1/stats')).json.users_online;
  const before = await online();
  const c = await Client.open(byName('rc'), { user });  // no device: the home keeps it without an actor
  await until(async () => (await online()) === before + 1, { what: `${user} online` });
  await c.close();
  await until(async () => (await online()) === before, { what: `${user} offline` });
});

test('stats are the cluster view from any node', async () => {
  const cs = await Promise.all(nodes.map((n, i) => Client.open(n, { user: `st-${i}` })));
  for (const n of nodes)
    await until(async () => (await api(n, 'GET', '/v1/stats')).json.connections === 3, { what: `stats on ${n.name}` });
  for (const c of cs) await c.close();
});

test('a receipt is the cluster view from any node: sent where it was pushed, acked at the home', async () => {
  // Pushed via ra, homed on rc, the device on rb: three different nodes.
  const user = userHomedOn(NAMES, 'rc', 'receipt-');
  const c = await Client.open(byName('rb'), { user, client: 'phone' });
  const r = await push(byName('ra'), { to: { users: [user] }, data: 1 });
  assert.equal(r.json.sessions, 1);
  // The push's answer means its receipt is stored: every node sees it at once.
  for (const n of nodes)
    assert.deepEqual((await api(n, 'GET', `/v1/messages/${r.json.id}`)).json, { id: r.json.id, sent: 1, acked: 0 }, `on ${n.name}`);
  assert.equal((await c.message()).id, r.json.id);
  await c.request({ type: 'ack', ids: [r.json.id] });
  for (const n of nodes)
    await until(async () => (await api(n, 'GET', `/v1/messages/${r.json.id}`)).json.acked === 1, { what: `acked on ${n.name}` });
  // A room's receipt counts the members on every node.
  const room = roomHomedOn(NAMES, 'rc', 'receipt-room-');
  const members = await Promise.all(nodes.map((n, i) => Client.open(n, { user: `rr-${i}` })));
  for (const m of members) assert.equal((await m.join(room)).ok, true);
  const rr = await push(byName('rb'), { to: { rooms: [room] }, data: 2 });
  for (const n of nodes) assert.equal((await api(n, 'GET', `/v1/messages/${rr.json.id}`)).json.sent, 3, `room on ${n.name}`);
  for (const n of nodes) assert.equal((await api(n, 'GET', '/v1/messages/receipt-nope')).status, 404);
  for (const m of members) await m.close();
  await c.close();
});

test('an offline backlog written via one node is delivered on another', async () => {
  const user = userHomedOn(NAMES, 'rc', 'backlog-');
  const r1 = await push(byName('ra'), { to: { users: [user] }, data: 1 });
  const r2 = await push(byName('rb'), { to: { users: [user] }, data: 2 });
  const c = await Client.open(byName('rb'), { user, client: 'phone' });
  assert.deepEqual([(await c.message()).id, (await c.message()).id], [r1.json.id, r2.json.id]);
  await c.close();
});

test('namespaces made through the admin API exist on every node', async () => {
  const r = await api(byName('ra'), 'POST', '/v1/admin/namespaces', { auth: { bearer: 'admin-token' }, body: { name: 'spread', secret: 'sp' } });
  assert.equal(r.status, 200);
  for (const n of nodes)
    await until(async () => (await api(n, 'GET', '/v1/stats', { auth: { basic: 'spread:sp' } })).status === 200, { what: `spread on ${n.name}` });
  const c = await Client.open(byName('rc'), { ns: 'spread', user: 'z', token: jwt('sp', { sub: 'z' }) });
  // Right after creation the nodes' directories converge (each announces its
  // new namespace actor); a push is routed to the owner once they have.
  const p = await until(async () => {
    const x = await api(byName('rb'), 'POST', '/v1/push', { auth: { basic: 'spread:sp' }, body: { to: { users: ['z'] }, data: 'x' } });
    return x.json.sessions === 1 && x;
  }, { timeout: 10000, what: 'routing of the new namespace to converge' });
  assert.equal((await c.message((m) => m.id === p.json.id)).data, 'x');
  await c.close();
  assert.equal((await api(byName('rc'), 'DELETE', '/v1/admin/namespaces/spread', { auth: { bearer: 'admin-token' } })).status, 200);
  for (const n of nodes)
    await until(async () => (await api(n, 'GET', '/v1/stats', { auth: { basic: 'spread:sp' } })).status === 401, { what: `spread gone on ${n.name}` });
});

test('kill -9 of a node: the others serve every user; restarted, it rejoins and keeps what it stored', async () => {
  // Pushed before the death to an offline user homed on rb: stored on rb.
  const keep = userHomedOn(NAMES, 'rb', 'keep-');
  const stored = (await push(byName('ra'), { to: { users: [keep] }, data: 'before' })).json.id;
  // Users homed on rb, connected to ra and rc.
  const movers = [userHomedOn(NAMES, 'rb', 'mover-a-'), userHomedOn(NAMES, 'rb', 'mover-c-')];
  const ca = await Client.open(byName('ra'), { user: movers[0] });
  const cc = await Client.open(byName('rc'), { user: movers[1] });
  const b = byName('rb');
  b.proc.kill('SIGKILL');
  await b.exited;
  for (const n of [byName('ra'), byName('rc')])
    await until(async () => (await clusterNames(n)) === 'ra,rc', { timeout: 10000, what: `${n.name} to drop rb` });
  // Their new homes learned of their sessions (re-attach on the ring change).
  for (const [c, user, via] of [[ca, movers[0], 'rc'], [cc, movers[1], 'ra']]) {
    const r = await until(async () => {
      const x = await push(byName(via), { to: { users: [user] }, data: 'after' }, 'demo');
      return x.json.sessions === 1 && x;
    }, { timeout: 10000, what: `${user} reachable again` });
    assert.equal((await c.message((m) => m.id === r.json.id)).data, 'after');
  }
  const restarted = await startNode({ name: 'rb', cluster: { port: ports[1], seeds: [ports[0]] }, dataDir: dirB, port: b.port });
  nodes[nodes.indexOf(b)] = restarted;
  for (const n of nodes) await until(async () => (await clusterNames(n)) === 'ra,rb,rc', { timeout: 10000, what: 'rb back' });
  const d = await Client.open(byName('rc'), { user: keep, client: 'phone' });
  assert.equal((await d.message()).id, stored, 'what rb stored before its death is delivered');
  await d.close(); await ca.close(); await cc.close();
});

test('an API call right after a namespace is deleted elsewhere is answered, not left waiting on the ended actor', async () => {
  const admin = { auth: { bearer: 'admin-token' } };
  for (let round = 0; round < 4; round++) {
    const name = `brief${round}`;
    const auth = { auth: { basic: `${name}:br` } };
    assert.equal((await api(byName('ra'), 'POST', '/v1/admin/namespaces', { ...admin, body: { name, secret: 'br' } })).status, 200);
    for (const n of nodes)
      await until(async () => (await api(n, 'GET', '/v1/stats', auth)).status === 200, { timeout: 10000, what: `${name} on ${n.name}` });
    // Let every node learn every other's namespace actor.
    await until(async () => (await api(byName('ra'), 'POST', '/v1/push', { ...auth, body: { to: { all: true }, data: 'x' } })).status === 200, { what: `${name} routable` });
    const deleted = api(byName('rc'), 'DELETE', `/v1/admin/namespaces/${name}`, admin);
    // Until every node has dropped it, each call gets an answer (200, 503 or 401) in time.
    for (const n of [byName('ra'), byName('rb')]) {
      await until(async () => {
        const t0 = Date.now();
        const r = await api(n, 'GET', '/v1/stats', { ...auth, timeout: 4000 });
        assert.ok(Date.now() - t0 < 4000, `stats on ${n.name} answered in ${Date.now() - t0} ms`);
        return r.status === 401;
      }, { timeout: 10000, every: 1, what: `${name} gone on ${n.name}` });
    }
    assert.equal((await deleted).status, 200);
  }
});
