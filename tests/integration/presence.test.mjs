// Presence (users, rooms), disconnect through the API, stats and metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, push, api, until, passivated } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node.stop(); });

test('GET /v1/users/{user} lists live sessions with device, node and since', async () => {
  let r = await api(node, 'GET', '/v1/users/pres');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { online: false, sessions: [] });
  const a = await Client.open(node, { user: 'pres', client: 'phone' });
  const b = await Client.open(node, { user: 'pres' });
  r = await api(node, 'GET', '/v1/users/pres');
  assert.equal(r.json.online, true);
  assert.equal(r.json.sessions.length, 2);
  const phone = r.json.sessions.find((s) => s.session === a.welcome.session);
  assert.equal(phone.client, 'phone');
  assert.equal(phone.node, 'n1');
  assert.ok(Math.abs(phone.since - Date.now()) < 10000);
  assert.equal(r.json.sessions.find((s) => s.session === b.welcome.session).client, null);
  await a.close();
  await until(async () => (await api(node, 'GET', '/v1/users/pres')).json.sessions.length === 1, { what: 'one session left' });
  await b.close();
  await until(async () => (await api(node, 'GET', '/v1/users/pres')).json.online === false, { what: 'offline' });
});

test('user ids with any UTF-8 work in paths', async () => {
  const a = await Client.open(node, { user: 'Jürgen 🎉/x' });
  const r = await api(node, 'GET', `/v1/users/${encodeURIComponent('Jürgen 🎉/x')}`);
  assert.equal(r.json.online, true);
  await a.close();
});

test('GET /v1/rooms/{room} counts members', async () => {
  const a = await Client.open(node, { user: 'm1' });
  const b = await Client.open(node, { user: 'member-two-with-a-long-id', client: 'tab-7' });
  await a.join('hall'); await b.join('hall');
  const r = await api(node, 'GET', '/v1/rooms/hall');
  assert.equal(r.json.members, 2);
  assert.deepEqual(r.json.sessions.map((s) => s.session).sort(), [a.welcome.session, b.welcome.session].sort());
  // The room keeps user and device in one string: each comes back whole.
  const bySession = Object.fromEntries(r.json.sessions.map((s) => [s.session, s]));
  assert.equal(bySession[a.welcome.session].user, 'm1');
  assert.equal(bySession[a.welcome.session].client, null);
  assert.equal(bySession[b.welcome.session].user, 'member-two-with-a-long-id');
  assert.equal(bySession[b.welcome.session].client, 'tab-7');
  assert.deepEqual((await api(node, 'GET', '/v1/rooms/empty-room')).json, { members: 0, sessions: [] });
  await a.close(); await b.close();
});

test('disconnect closes every session of the user with 4000', async () => {
  const a = await Client.open(node, { user: 'kick' });
  const b = await Client.open(node, { user: 'kick', client: 'd' });
  const other = await Client.open(node, { user: 'stay' });
  const r = await api(node, 'POST', '/v1/users/kick/disconnect');
  assert.equal(r.status, 200);
  assert.equal(r.json.disconnected, 2);
  assert.equal((await a.closed).code, 4000);
  assert.equal((await b.closed).code, 4000);
  await other.quiet(); // still served
  await other.close();
  assert.equal((await api(node, 'GET', '/v1/users/kick/disconnect')).status, 405);
});

test('stats count connections, users, rooms and messages; metrics agree', async () => {
  const a = await Client.open(node, { user: 's1' });
  const b = await Client.open(node, { user: 's1' });
  const c = await Client.open(node, { user: 's2' });
  await a.join('stat-room');
  // Earlier tests' sessions end asynchronously on the server: wait for that.
  const before = await until(async () => {
    const s = (await api(node, 'GET', '/v1/stats')).json;
    return s.connections === 3 && s.rooms === 1 && s;
  }, { what: 'earlier sessions to be gone' });
  assert.equal(before.users_online, 2);
  await push(node, { to: { users: ['s1'] }, data: 1 });
  await push(node, { to: { rooms: ['stat-room'] }, data: 2 });
  a.send({ type: 'ack', ids: ['whatever'] });
  await a.message(); await a.message(); await b.message();
  await until(async () => {
    const s = (await api(node, 'GET', '/v1/stats')).json;
    return s.messages.published.minute === before.messages.published.minute + 2 &&
      s.messages.delivered.minute === before.messages.delivered.minute + 3 &&
      s.messages.acked.minute === before.messages.acked.minute + 1 && s;
  }, { what: 'stats to count the pushes' });
  const s = (await api(node, 'GET', '/v1/stats')).json;
  for (const k of ['published', 'delivered', 'acked']) {
    assert.ok(s.messages[k].hour >= s.messages[k].minute);
    assert.ok(s.messages[k].day >= s.messages[k].hour);
  }
  const m = await api(node, 'GET', '/metrics', { auth: null });
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /text\/plain/);
  assert.match(m.text, /^herald_connections 3$/m);
  assert.match(m.text, /^herald_messages_delivered_total \d+/m);
  for (const x of [a, b, c]) await x.close();
  const h = await api(node, 'GET', '/healthz', { auth: null });
  assert.equal(h.json.status, 'ok');
});

test('herald_http_requests_total counts every answer by its status', async () => {
  const count = async (status) => {
    const t = (await api(node, 'GET', '/metrics', { auth: null })).text;
    const m = t.match(new RegExp(`^herald_http_requests_total\\{status="${status}"\\} (\\d+)`, 'm'));
    return m ? Number(m[1]) : 0;
  };
  // Each /metrics call is itself a 200 answered before the next one reads.
  const ok0 = await count(200), nf0 = await count(404), bad0 = await count(400);
  for (let i = 0; i < 3; ++i) assert.equal((await push(node, { to: { users: ['m1'] }, data: i })).status, 200);
  for (let i = 0; i < 2; ++i) assert.equal((await api(node, 'GET', '/v1/nothing-here')).status, 404);
  assert.equal((await api(node, 'POST', '/v1/push', { raw: 'not json' })).status, 400);
  assert.equal(await count(404), nf0 + 2);
  assert.equal(await count(400), bad0 + 1);
  // 200s since ok0 was read: five /metrics calls before this one (a call's
  // own answer is counted after its text is made) and the 3 pushes.
  assert.equal(await count(200), ok0 + 5 + 3);
});

test('passivating idle user and room actors leaves the namespace and its sessions alone', async () => {
  // Regression: a passivated actor's exit used to close the whole namespace (1001).
  const n2 = await startNode({ args: ['--node.passivate_after=200'] });
  try {
    const stay = await Client.open(n2, { user: 'stayer', client: 'd' });
    await stay.join('lounge');
    // Its user gets an actor (a push), which passivates while it is connected.
    const first = await push(n2, { to: { users: ['stayer'] }, data: 'first' });
    await stay.message((m) => m.id === first.json.id);
    const brief = await Client.open(n2, { user: 'brief' });
    await brief.join('short-lived');
    await brief.close();
    await push(n2, { to: { users: ['offline-one'] }, data: 1 });
    await until(async () => (await passivated(n2, 'user')) >= 2 && (await passivated(n2, 'room')) >= 1,
      { timeout: 10000, what: 'idle actors to be passivated' });
    // The remaining session is untouched and still reachable, live and by room.
    const r1 = await push(n2, { to: { users: ['stayer'] }, data: 'u' });
    assert.equal((await stay.message((m) => m.id === r1.json.id)).data, 'u');
    const r2 = await push(n2, { to: { rooms: ['lounge'] }, data: 'r' });
    assert.equal((await stay.message((m) => m.id === r2.json.id)).data, 'r');
    // A passivated user comes back with its stored backlog.
    const back = await Client.open(n2, { user: 'offline-one', client: 'x' });
    assert.equal((await back.message()).data, 1);
    await back.close();
    await stay.close();
  } finally {
    await n2.stop();
  }
});

test('a connected user\'s actor passivates; the user stays reachable, listed and kickable, and leaves presence with its session', async () => {
  const n2 = await startNode({ args: ['--node.passivate_after=200'] });
  try {
    const passivatedUsers = () => passivated(n2, 'user');
    const online = async () => (await api(n2, 'GET', '/v1/stats')).json.users_online;
    // With a stored backlog the device's user gets an actor (to replay it)
    // that passivates afterwards; without one the session never needs it.
    const waiting = await push(n2, { to: { users: ['sleeper'] }, data: 'waiting', ttl: 60 });
    const sleeper = await Client.open(n2, { user: 'sleeper', client: 'd' });
    assert.equal((await sleeper.message()).id, waiting.json.id);
    assert.equal((await sleeper.request({ type: 'ack', ids: [waiting.json.id] })).ok, true);
    const nodev = await Client.open(n2, { user: 'nodev' });
    const base = await passivatedUsers();
    await until(async () => (await passivatedUsers()) > base, { timeout: 10000, what: 'the connected user to passivate' });
    assert.equal(await online(), 2);
    // A session that ends while its user has no actor leaves presence.
    await nodev.close();
    await until(async () => (await online()) === 1, { what: 'nodev to leave presence' });
    // The next message activates the user with its sessions.
    const live = await push(n2, { to: { users: ['sleeper'] }, data: 'live' });
    assert.equal(live.json.sessions, 1);
    assert.equal((await sleeper.message((m) => m.id === live.json.id)).data, 'live');
    const stored = await push(n2, { to: { users: ['sleeper'] }, data: 'stored', ttl: 60 });
    assert.equal(stored.json.sessions, 1);
    assert.equal((await sleeper.message((m) => m.id === stored.json.id)).data, 'stored');
    // Passivated again, it is still listed and kickable.
    const after = await passivatedUsers();
    await until(async () => (await passivatedUsers()) > after, { timeout: 10000, what: 'a second passivation' });
    const p = (await api(n2, 'GET', '/v1/users/sleeper')).json;
    assert.deepEqual(p.sessions.map((x) => x.client), ['d']);
    const k = await api(n2, 'POST', '/v1/users/sleeper/disconnect');
    assert.equal(k.json.disconnected, 1);
    assert.equal((await sleeper.closed).code, 4000);
    await until(async () => (await online()) === 0, { what: 'sleeper to leave presence' });
  } finally {
    await n2.stop();
  }
});

