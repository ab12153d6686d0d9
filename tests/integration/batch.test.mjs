// POST /v1/push/batch: many pushes in one call, one result per push in
// order; a bad push fails alone; durable ones are stored before the answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, api, Client } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode({ args: ['--limits.max_batch=5'] }); });
after(async () => { await node.stop(); });

const batch = (pushes, auth) => api(node, 'POST', '/v1/push/batch', { body: { pushes }, auth });

test('one result per push, in order; a bad push fails alone', async () => {
  const alice = await Client.open(node, { user: 'alice' });
  const bob = await Client.open(node, { user: 'bob' });
  await bob.join('room1');
  const r = await batch([
    { to: { users: ['alice'] }, data: { n: 1 } },
    { to: { users: ['alice'] }, data: 'x', ttl: -5 },
    { to: { rooms: ['room1'] }, data: { n: 2 } },
    'not an object',
    { to: { users: ['alice', 'bob'] }, data: { n: 3 }, ttl: 0 },
  ]);
  assert.equal(r.status, 200);
  const res = r.json.results;
  assert.equal(res.length, 5);
  assert.match(res[0].id, /./);
  assert.equal(res[0].sessions, 1);
  assert.equal(res[1].error.code, 'bad_request');
  assert.match(res[1].error.message, /ttl/);
  assert.equal(res[2].sessions, 1);
  assert.equal(res[3].error.code, 'bad_request');
  assert.equal(res[4].sessions, 2);
  assert.equal(new Set([res[0].id, res[2].id, res[4].id]).size, 3);
  // Every good push was delivered, each once, in order per recipient.
  const a1 = await alice.message((m) => m.id === res[0].id);
  const a3 = await alice.message((m) => m.id === res[4].id);
  assert.deepEqual([a1.data, a3.data], [{ n: 1 }, { n: 3 }]);
  assert.equal((await bob.message((m) => m.id === res[2].id)).room, 'room1');
  await bob.message((m) => m.id === res[4].id);
  await alice.quiet();
  assert.equal(alice.messages().length, 0, 'nothing else arrived');
  await alice.close();
  await bob.close();
});

test('durable pushes of a batch are in the inbox when the answer comes', async () => {
  const r = await batch([1, 2, 3].map((n) => ({ to: { users: ['offline-user'] }, data: n, ttl: 60 })));
  assert.equal(r.status, 200);
  const ids = r.json.results.map((x) => x.id);
  const c = await Client.open(node, { user: 'offline-user', client: 'dev1' });
  for (const id of ids) await c.message((m) => m.id === id);
  await c.close();
});

test('the body is checked as a whole: shape, size, limits.max_batch', async () => {
  for (const [body, re] of [
    [{}, /pushes/],
    [{ pushes: [] }, /empty/],
    [{ pushes: 'x' }, /pushes/],
    [{ pushes: Array(6).fill({ to: { users: ['u'] }, data: 1 }) }, /max_batch/],
  ]) {
    const r = await api(node, 'POST', '/v1/push/batch', { body });
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 50));
    assert.match(r.json.error.message, re);
  }
  assert.equal((await api(node, 'POST', '/v1/push/batch', { raw: '{"pushes":[' })).status, 400);
  assert.equal((await api(node, 'GET', '/v1/push/batch')).status, 405);
  assert.equal((await batch([{ to: { users: ['u'] }, data: 1 }], null)).status, 401);
});
