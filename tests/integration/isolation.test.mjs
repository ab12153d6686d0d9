// Namespaces never see or reach each other: same user and room names in two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, push, api } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node.stop(); });

test('same user and room names in two namespaces stay apart', async () => {
  const d = await Client.open(node, { ns: 'demo', user: 'same', client: 'dev' });
  const q = await Client.open(node, { ns: 'quiet', user: 'same', client: 'dev' });
  await d.join('room'); await q.join('room');
  for (const to of [{ users: ['same'] }, { rooms: ['room'] }, { clients: ['dev'] }, { all: true }]) {
    const r = await push(node, { to, data: 'for demo' }, 'demo');
    assert.equal(r.status, 200);
    assert.equal(r.json.sessions, 1, JSON.stringify(to));
    await d.message((f) => f.id === r.json.id);
  }
  const r = await push(node, { to: { users: ['same'] }, data: 'for quiet' }, 'quiet');
  await q.message((f) => f.id === r.json.id);
  await q.quiet();
  assert.deepEqual(q.messages(), []);
  await d.quiet();
  assert.deepEqual(d.messages(), []);
  // Presence is per namespace too.
  const pd = await api(node, 'GET', '/v1/users/same', { auth: 'demo' });
  assert.equal(pd.json.sessions.length, 1);
  assert.equal(pd.json.sessions[0].session, d.welcome.session);
  const rq = await api(node, 'GET', '/v1/rooms/room', { auth: 'quiet' });
  assert.equal(rq.json.members, 1);
  assert.equal(rq.json.sessions[0].session, q.welcome.session);
  // A client publish in quiet's neighbour cannot reach quiet either.
  const rep = await d.request({ type: 'publish', to: { users: ['same'], rooms: ['room'] }, data: 'x' });
  assert.equal(rep.ok, true);
  await q.quiet();
  assert.deepEqual(q.messages(), []);
  await d.close(); await q.close();
});

test("one namespace's credentials do not open another's API", async () => {
  let r = await api(node, 'GET', '/v1/stats', { auth: { basic: 'quiet:demo-secret' } });
  assert.equal(r.status, 401);
  r = await api(node, 'GET', '/v1/users/same', { auth: { basic: 'nope:x' } });
  assert.equal(r.status, 401);
  // The admin token reaches a namespace only when it names it.
  r = await api(node, 'GET', '/v1/stats', { auth: { bearer: 'admin-token' } });
  assert.equal(r.status, 400);
  r = await api(node, 'GET', '/v1/stats?ns=quiet', { auth: { bearer: 'admin-token' } });
  assert.equal(r.status, 200);
  r = await api(node, 'GET', '/v1/stats?ns=missing', { auth: { bearer: 'admin-token' } });
  assert.equal(r.status, 404);
  r = await api(node, 'GET', '/v1/stats?ns=quiet', { auth: { bearer: 'wrong' } });
  assert.equal(r.status, 401);
});
