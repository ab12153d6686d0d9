// room_events: with the namespace option on, a room's members get a
// presence frame when a session joins or leaves (explicitly or by
// disconnecting), across the cluster, once per member; the session itself
// gets none, and a namespace without the option sends none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, startCluster, Client, api, jwt, until } from './lib/herald.mjs';

const extra = `[namespace.re]
secret = re-secret
room_events = true
`;
const open = (node, user) => Client.open(node, { ns: 're', token: jwt('re-secret', { sub: user }) });
const presences = (c) => c.frames.filter((f) => f.type === 'presence');

test('three nodes: joins and leaves reach every other member once', async () => {
  const [a, b, c] = await startCluster(['a', 'b', 'c'], { extra });
  try {
    const ma = await open(a, 'ann');
    const mc = await open(c, 'cid');
    const mc2 = await open(c, 'cora');
    for (const m of [ma, mc, mc2]) assert.equal((await m.join('lobby')).ok, true);
    // Those who were in the room before: each later join, once.
    for (const [m, users] of [[ma, ['cid', 'cora']], [mc, ['cora']]])
      for (const u of users) await m.next((f) => f.type === 'presence' && f.user === u && f.event === 'join');
    const joiner = await open(b, 'bob');
    assert.equal((await joiner.join('lobby')).ok, true);
    for (const m of [ma, mc, mc2]) {
      const p = await m.next((f) => f.type === 'presence' && f.user === 'bob');
      assert.deepEqual(p, { type: 'presence', room: 'lobby', event: 'join', user: 'bob', session: joiner.welcome.session });
    }
    assert.equal((await joiner.request({ type: 'leave', rooms: ['lobby'] })).ok, true);
    for (const m of [ma, mc, mc2]) {
      const p = await m.next((f) => f.type === 'presence' && f.user === 'bob' && f.event === 'leave');
      assert.equal(p.session, joiner.welcome.session);
    }
    // A disconnect is a leave too.
    await mc2.close();
    for (const m of [ma, mc]) await m.next((f) => f.type === 'presence' && f.user === 'cora' && f.event === 'leave');
    // Nothing twice, and nothing to the session about itself.
    for (const m of [ma, mc, joiner]) await m.quiet();
    assert.equal(presences(ma).length, 0, 'each presence once');
    assert.equal(presences(mc).length, 0);
    assert.equal(presences(joiner).filter((f) => f.user === 'bob').length, 0);
    await Promise.all([ma.close(), mc.close(), joiner.close()]);
  } finally {
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  }
});

test('without room_events no presence frames', async () => {
  const n = await startNode({ name: 'q' });
  try {
    const x = await Client.open(n, { user: 'x' });
    const y = await Client.open(n, { user: 'y' });
    await x.join('r');
    await y.join('r');
    await y.close();
    const r = await api(n, 'POST', '/v1/push', { body: { to: { rooms: ['r'] }, data: 'after' } });
    assert.equal(r.status, 200);
    await x.message((m) => m.data === 'after');
    assert.equal(x.frames.filter((f) => f.type === 'presence').length, 0);
    await x.close();
  } finally {
    await n.stop();
  }
});
