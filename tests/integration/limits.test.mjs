// Admission limits, each at its value and beyond: sessions per namespace,
// pushes per second per namespace (429 + Retry-After), frames per second
// per session (1008), failed admin logins per source address (429).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startNode, Client, api, push, refusal, tokenFor } from './lib/herald.mjs';

let node;
before(async () => {
  node = await startNode({ args: ['--limits.ns_connections=2', '--limits.ns_push_rate=5', '--limits.frame_rate=20',
    '--limits.admin_failures=3'] });
});
after(async () => { await node.stop(); });

test('sessions per namespace: two fit, the third is refused with 429 until one closes', async () => {
  const a = await Client.open(node, { user: 'a' });
  const b = await Client.open(node, { user: 'b' });
  const r = await refusal(node, `/v1/ws?ns=demo&token=${tokenFor('c')}`);
  assert.equal(r.status, 429);
  assert.equal(r.body.error.code, 'rate_limited');
  // Another namespace counts apart.
  const q = await Client.open(node, { ns: 'quiet', user: 'q' });
  await a.close();
  let c;
  for (let i = 0; i < 50 && !c; i++) {  // the close reaches the server a moment later
    try { c = await Client.open(node, { user: 'c' }); } catch { await new Promise((res) => setTimeout(res, 50)); }
  }
  assert.ok(c, 'a place freed by a closed session');
  await Promise.all([b.close(), c.close(), q.close()]);
});

test('pushes per second per namespace: a second\'s worth goes, then 429 with Retry-After', async () => {
  const results = [];
  for (let i = 0; i < 20; i++) results.push(await push(node, { to: { users: ['nobody'] }, data: i, ttl: 0 }));
  const ok = results.filter((r) => r.status === 200).length;
  const limited = results.filter((r) => r.status === 429);
  assert.ok(ok >= 5 && ok <= 7, `${ok} of 20 went through`);
  assert.ok(limited.length >= 13);
  assert.equal(limited[0].json.error.code, 'rate_limited');
  assert.ok(Number(limited[0].headers.get('retry-after')) >= 1);
  // Another namespace is not held back by this one.
  assert.equal((await push(node, { to: { users: ['x'] }, data: 1 }, 'quiet')).status, 200);
});

test('frames per second per session: 20 are answered, a burst of 100 closes with 1008', async () => {
  const c = await Client.open(node, { user: 'chatty' });
  const replies = [];
  for (let i = 0; i < 20; i++) replies.push(c.request({ type: 'ping' }));
  for (const r of await Promise.all(replies)) assert.equal(r.ok, true);
  const d = await Client.open(node, { user: 'flooder' });
  for (let i = 0; i < 100; i++) d.send({ type: 'ping' });
  const closed = await Promise.race([d.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('not closed')), 5000))]);
  assert.equal(closed.code, 1008);
  await c.close();
});

// An admin call from a chosen local address.
function adminFrom(localAddress, token) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: node.port, path: '/v1/admin/namespaces', localAddress,
      headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

test('failed admin logins: three per address are answered 401, then 429 for it alone, right token or not', async () => {
  for (let i = 0; i < 3; i++) assert.equal(await adminFrom('127.0.0.5', 'wrong'), 401);
  assert.equal(await adminFrom('127.0.0.5', 'wrong'), 429);
  assert.equal(await adminFrom('127.0.0.5', 'admin-token'), 429);
  assert.equal(await adminFrom('127.0.0.6', 'admin-token'), 200);
  assert.equal(await adminFrom('127.0.0.6', 'wrong'), 401);
});
