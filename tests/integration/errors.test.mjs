// Bad frames, bad HTTP, and the size / count limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, api, push } from './lib/herald.mjs';

let node;
before(async () => {
  node = await startNode({ args: ['--limits.max_frame=4096', '--limits.max_body=8192', '--limits.max_rooms=3', '--limits.max_targets=50'] });
});
after(async () => { await node.stop(); });

test('bad frames get an error frame or an ok:false reply, and the session stays usable', async () => {
  const c = await Client.open(node, { user: 'bad' });
  c.send('not json');
  assert.equal((await c.next((f) => f.type === 'error')).error.code, 'bad_frame');
  c.send('[1,2,3]');
  assert.equal((await c.next((f) => f.type === 'error')).error.code, 'bad_frame');
  c.send({ type: 'teleport' });
  assert.equal((await c.next((f) => f.type === 'error')).error.code, 'unknown_type');
  let r = await c.request({ type: 'teleport' });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'unknown_type');
  r = await c.request({ type: 'join', rooms: 'lobby' });
  assert.equal(r.error.code, 'bad_frame');
  r = await c.request({ type: 'join', rooms: [''] });
  assert.equal(r.error.code, 'bad_frame');
  r = await c.request({ type: 'publish', to: {}, data: 1 });
  assert.equal(r.error.code, 'bad_frame');
  r = await c.request({ type: 'ack', ids: [] });
  assert.equal(r.error.code, 'bad_frame');
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal((await c.next((f) => f.type === 'error')).error.code, 'bad_frame');
  // still usable
  assert.equal((await c.join('ok-room')).ok, true);
  const p = await push(node, { to: { users: ['bad'] }, data: 'still here' });
  assert.equal((await c.message((f) => f.id === p.json.id)).data, 'still here');
  await c.close();
});

test('too many rooms is refused per request, not by closing', async () => {
  const c = await Client.open(node, { user: 'rooms' });
  assert.equal((await c.join('a', 'b')).ok, true);
  const r = await c.join('c', 'd');
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'too_many_rooms');
  assert.equal((await c.join('a', 'c')).ok, true); // a is joined already
  assert.equal((await c.request({ type: 'leave', rooms: ['a'] })).ok, true);
  assert.equal((await c.join('d')).ok, true);
  await c.close();
});

test('a frame over max_frame closes with 1009', async () => {
  const c = await Client.open(node, { user: 'big' });
  c.send({ type: 'publish', to: { users: ['x'] }, data: 'x'.repeat(5000) });
  assert.equal((await c.closed).code, 1009);
});

test('a client that keeps sending garbage is closed with 1008', async () => {
  const c = await Client.open(node, { user: 'abuser' });
  for (let i = 0; i < 25; i++) c.send('garbage');
  assert.equal((await c.closed).code, 1008);
});

test('bad HTTP gets the right status and a JSON error', async () => {
  const cases = [
    [await api(node, 'POST', '/v1/push', { raw: '{not json' }), 400],
    [await api(node, 'POST', '/v1/push', { body: [1] }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: {}, data: 1 } }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: ['u'] } } }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: 'u' }, data: 1 } }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: [''] }, data: 1 } }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: ['u'] }, data: 1, ttl: -1 } }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: { all: 'yes' }, data: 1 } }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: Array.from({ length: 51 }, (_, i) => `u${i}`) }, data: 1 } }), 400],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: ['u'] }, data: 1 }, auth: null }), 401],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: ['u'] }, data: 1 }, auth: { basic: 'demo:wrong' } }), 401],
    [await api(node, 'POST', '/v1/push', { body: { to: { users: ['u'] }, data: 1 }, headers: { authorization: 'Basic !!!' }, auth: null }), 401],
    [await api(node, 'GET', '/v1/push'), 405],
    [await api(node, 'DELETE', '/v1/stats'), 405],
    [await api(node, 'GET', '/v1/nothing'), 404],
    [await api(node, 'GET', '/nothing', { auth: null }), 404],
    [await api(node, 'GET', '/v1/users/%zz'), 400],
    [await api(node, 'POST', '/v1/push', { raw: JSON.stringify({ to: { users: ['u'] }, data: 'x'.repeat(9000) }) }), 413],
  ];
  for (const [r, status] of cases) {
    assert.equal(r.status, status, r.text);
    assert.equal(typeof r.json?.error?.code, 'string', r.text);
    assert.equal(typeof r.json.error.message, 'string');
  }
  // The node still serves after all that.
  assert.equal((await api(node, 'GET', '/healthz', { auth: null })).status, 200);
});
