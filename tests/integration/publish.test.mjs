// Client publish: allowed per namespace, only to rooms the session is in, no echo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node.stop(); });

test('publish to a room reaches the other members, not the sender', async () => {
  const a = await Client.open(node, { user: 'pa' });
  const b = await Client.open(node, { user: 'pb' });
  const a2 = await Client.open(node, { user: 'pa' }); // the sender's other device
  for (const c of [a, b, a2]) await c.join('chat');
  const rep = await a.request({ type: 'publish', to: { rooms: ['chat'] }, data: { t: 'hello' } });
  assert.equal(rep.ok, true);
  assert.equal(typeof rep.message, 'string');
  for (const c of [b, a2]) {
    const m = await c.message((f) => f.id === rep.message);
    assert.equal(m.from, 'pa');
    assert.equal(m.room, 'chat');
    assert.deepEqual(m.data, { t: 'hello' });
  }
  // The reply is written after the room's fan-out on this node, so an echo would be here already.
  await a.quiet();
  assert.equal(a.messages().length, 0, 'no echo to the sending session');
  for (const c of [a, b, a2]) await c.close();
});

test('publish to users, including oneself on other devices', async () => {
  const a = await Client.open(node, { user: 'qa' });
  const b = await Client.open(node, { user: 'qb' });
  const rep = await a.request({ type: 'publish', to: { users: ['qb'] }, data: 42 });
  assert.equal(rep.ok, true);
  const m = await b.message((f) => f.id === rep.message);
  assert.equal(m.from, 'qa');
  assert.equal(m.data, 42);
  assert.equal(m.room, undefined);
  await a.close(); await b.close();
});

test('publish to a room the session is not in is refused', async () => {
  const a = await Client.open(node, { user: 'pc' });
  const b = await Client.open(node, { user: 'pd' });
  await b.join('private');
  const rep = await a.request({ type: 'publish', to: { rooms: ['private'] }, data: 1 });
  assert.equal(rep.ok, false);
  assert.equal(rep.error.code, 'not_in_room');
  await b.quiet();
  assert.equal(b.messages().length, 0);
  // still usable
  assert.equal((await a.join('private')).ok, true);
  assert.equal((await a.request({ type: 'publish', to: { rooms: ['private'] }, data: 2 })).ok, true);
  await b.message((f) => f.data === 2);
  await a.close(); await b.close();
});

test('publish is forbidden where the namespace does not allow it', async () => {
  const a = await Client.open(node, { ns: 'quiet', user: 'qq' });
  await a.join('r');
  const rep = await a.request({ type: 'publish', to: { rooms: ['r'] }, data: 1 });
  assert.equal(rep.ok, false);
  assert.equal(rep.error.code, 'forbidden');
  const noId = { type: 'publish', to: { users: ['x'] }, data: 1 };
  a.send(noId);
  const err = await a.next((f) => f.type === 'error');
  assert.equal(err.error.code, 'forbidden');
  await a.close();
});
