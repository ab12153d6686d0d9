// Direct pushes to users, devices (clients) and everyone; rooms join / push / leave.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, push } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node.stop(); });

test('a push to a user reaches every device of that user, no one else', async () => {
  const phone = await Client.open(node, { user: 'ann', client: 'phone' });
  const laptop = await Client.open(node, { user: 'ann', client: 'laptop' });
  const bare = await Client.open(node, { user: 'ann' });
  const other = await Client.open(node, { user: 'ben' });
  const r = await push(node, { to: { users: ['ann'] }, data: { text: 'hi' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.sessions, 3);
  assert.equal(typeof r.json.id, 'string');
  for (const c of [phone, laptop, bare]) {
    const m = await c.message((f) => f.id === r.json.id);
    assert.deepEqual(m.data, { text: 'hi' });
    assert.equal(m.from, 'api');
    assert.equal(m.room, undefined);
    assert.ok(Math.abs(m.ts - Date.now()) < 10000);
  }
  await other.quiet();
  assert.equal(other.messages().length, 0);
  for (const c of [phone, laptop, bare, other]) await c.close();
});

test('a push to clients reaches the sessions with that device id', async () => {
  const a = await Client.open(node, { user: 'cid1', client: 'dev-a' });
  const b = await Client.open(node, { user: 'cid2', client: 'dev-b' });
  const r = await push(node, { to: { clients: ['dev-a'] }, data: 1 });
  assert.equal(r.json.sessions, 1);
  await a.message((f) => f.id === r.json.id);
  await b.quiet();
  assert.equal(b.messages().length, 0);
  await a.close(); await b.close();
});

test('a {user, client} target reaches that user\'s device only; a plain id reaches every user\'s', async () => {
  // Two users who picked the same device id.
  const annPhone = await Client.open(node, { user: 'pa', client: 'phone' });
  const benPhone = await Client.open(node, { user: 'pb', client: 'phone' });
  const annTab = await Client.open(node, { user: 'pa', client: 'tablet' });
  let r = await push(node, { to: { clients: [{ user: 'pa', client: 'phone' }] }, data: 'mine' });
  assert.equal(r.status, 200);
  assert.equal(r.json.sessions, 1);
  await annPhone.message((f) => f.id === r.json.id);
  for (const c of [benPhone, annTab]) { await c.quiet(); assert.equal(c.messages().length, 0); }
  // A plain id still means every user's device of that id; a pair given
  // twice, or also covered by a plain id, is one delivery.
  r = await push(node, { to: { clients: ['phone', { user: 'pa', client: 'phone' }, { user: 'pa', client: 'phone' }] }, data: 'all phones' });
  assert.equal(r.json.sessions, 2);
  await annPhone.message((f) => f.id === r.json.id);
  await benPhone.message((f) => f.id === r.json.id);
  await annPhone.quiet();
  assert.equal(annPhone.messages().filter((m) => m.id === r.json.id).length, 0, 'not twice');
  r = await push(node, { to: { clients: [{ user: 'pb', client: 'tablet' }] }, data: 'nobody' });
  assert.equal(r.json.sessions, 0);
  for (const bad of [[{ user: 'pa' }], [{ client: 'phone' }], [{ user: 'pa', client: 7 }], [{ user: '', client: 'x' }], [3], [['pa', 'phone']]]) {
    const e = await push(node, { to: { clients: bad }, data: 1 });
    assert.equal(e.status, 400, JSON.stringify(bad));
    assert.equal(e.json.error.code, 'bad_request');
  }
  for (const c of [annPhone, benPhone, annTab]) await c.close();
});

test('all: true reaches every session of the namespace', async () => {
  const cs = await Promise.all(['x1', 'x2', 'x3'].map((user) => Client.open(node, { user })));
  const quiet = await Client.open(node, { ns: 'quiet', user: 'x1' });
  const r = await push(node, { to: { all: true }, data: 'broadcast' });
  assert.equal(r.status, 200);
  assert.ok(r.json.sessions >= 3);
  for (const c of cs) assert.equal((await c.message((f) => f.id === r.json.id)).data, 'broadcast');
  await quiet.quiet();
  assert.equal(quiet.messages().length, 0, 'other namespace must not get it');
  for (const c of [...cs, quiet]) await c.close();
});

test('rooms: join, receive, leave, stop receiving', async () => {
  const a = await Client.open(node, { user: 'ra' });
  const b = await Client.open(node, { user: 'rb' });
  assert.equal((await a.join('lobby', 'games')).ok, true);
  assert.equal((await b.join('lobby')).ok, true);
  let r = await push(node, { to: { rooms: ['lobby'] }, data: { n: 1 } });
  assert.equal(r.json.sessions, 2);
  for (const c of [a, b]) {
    const m = await c.message((f) => f.id === r.json.id);
    assert.equal(m.room, 'lobby');
  }
  r = await push(node, { to: { rooms: ['games'] }, data: { n: 2 } });
  assert.equal(r.json.sessions, 1);
  await a.message((f) => f.id === r.json.id);
  assert.equal((await b.request({ type: 'leave', rooms: ['lobby'] })).ok, true);
  r = await push(node, { to: { rooms: ['lobby'] }, data: { n: 3 } });
  assert.equal(r.json.sessions, 1);
  await a.message((f) => f.id === r.json.id);
  await b.quiet();
  assert.equal(b.messages().filter((m) => m.id === r.json.id).length, 0);
  await a.close(); await b.close();
});

test('a push to users and rooms at once is one message id to each', async () => {
  const a = await Client.open(node, { user: 'mix' });
  await a.join('mixroom');
  const r = await push(node, { to: { users: ['mix'], rooms: ['mixroom'] }, data: 0 });
  assert.equal(r.json.sessions, 2);
  const got = [await a.message(), await a.message()];
  assert.ok(got.every((m) => m.id === r.json.id));
  assert.deepEqual(got.map((m) => m.room ?? null).sort(), [null, 'mixroom'].sort());
  await a.close();
});

test('room membership ends with the session', async () => {
  const a = await Client.open(node, { user: 'gone' });
  await a.join('ephemeral');
  await a.close();
  const { api } = await import('./lib/herald.mjs');
  const { until } = await import('./lib/herald.mjs');
  await until(async () => (await api(node, 'GET', '/v1/rooms/ephemeral')).json.members === 0, { what: 'room empty' });
  const r = await push(node, { to: { rooms: ['ephemeral'] }, data: 0 });
  assert.equal(r.json.sessions, 0);
});

test('messages from one publisher arrive in publish order', async () => {
  const c = await Client.open(node, { user: 'orderly' });
  await c.join('ordered');
  const ids = [];
  for (let i = 0; i < 200; i++) {
    const r = await push(node, { to: i % 2 ? { users: ['orderly'] } : { rooms: ['ordered'] }, data: i });
    assert.equal(r.status, 200);
    ids.push(r.json.id);
  }
  const got = [];
  for (let i = 0; i < 200; i++) got.push(await c.message());
  assert.deepEqual(got.map((m) => m.data), [...Array(200).keys()]);
  assert.deepEqual(got.map((m) => m.id), ids);
  await c.close();
});

test('pushes to users nobody has connected as reach 0 sessions', async () => {
  const r = await push(node, { to: { users: ['nobody-here'] }, data: 0, ttl: 0 });
  assert.equal(r.status, 200);
  assert.equal(r.json.sessions, 0);
});

test('join with since replays retained room messages after that id, then live ones', async () => {
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await push(node, { to: { rooms: ['replay'] }, data: i })).json.id);
  const c = await Client.open(node, { user: 'late' });
  const r = await c.request({ type: 'join', rooms: ['replay'], since: { replay: ids[1] } });
  assert.equal(r.ok, true);
  const live = (await push(node, { to: { rooms: ['replay'] }, data: 4 })).json.id;
  const got = [await c.message(), await c.message(), await c.message()];
  assert.deepEqual(got.map((m) => m.id), [ids[2], ids[3], live]);
  assert.ok(got.every((m) => m.room === 'replay'));
  // An unknown id replays everything retained.
  const d = await Client.open(node, { user: 'later' });
  await d.request({ type: 'join', rooms: ['replay'], since: { replay: 'unknown' } });
  const all = [];
  for (let i = 0; i < 5; i++) all.push((await d.message()).data);
  assert.deepEqual(all, [0, 1, 2, 3, 4]);
  await c.close(); await d.close();
});
