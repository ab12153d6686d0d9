// Admin namespaces: create / list / delete, persisted across restarts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, Client, api, jwt, refusal, herald } from './lib/herald.mjs';

const admin = { bearer: 'admin-token' };
const dir = mkdtempSync(join(tmpdir(), 'herald-admin-'));
let node;
before(async () => { node = await startNode({ dataDir: dir }); });
after(async () => { await node.stop(); rmSync(dir, { recursive: true, force: true }); });

test('admin calls need the admin token', async () => {
  assert.equal((await api(node, 'GET', '/v1/admin/namespaces', { auth: null })).status, 401);
  assert.equal((await api(node, 'GET', '/v1/admin/namespaces', { auth: { bearer: 'nope' } })).status, 401);
  assert.equal((await api(node, 'GET', '/v1/admin/namespaces', { auth: 'demo' })).status, 401);
  assert.equal((await api(node, 'PUT', '/v1/admin/namespaces', { auth: admin })).status, 405);
});

test('create, use, list, conflict, validation, delete', async () => {
  let r = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'tenant1', client_publish: true } });
  assert.equal(r.status, 200);
  assert.equal(r.json.name, 'tenant1');
  assert.match(r.json.secret, /^[0-9a-f]{32}$/);
  const secret = r.json.secret;
  r = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'tenant1' } });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'conflict');
  for (const body of [{}, { name: 'Bad Name' }, { name: 'x'.repeat(65) }, { name: 'ok', secret: 5 }, { name: 'ok2', room_history: -1 }])
    assert.equal((await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body })).status, 400, JSON.stringify(body));
  assert.equal((await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, raw: '{oops' })).status, 400);
  r = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'tenant2', secret: 'given' } });
  assert.equal(r.json.secret, 'given');

  r = await api(node, 'GET', '/v1/admin/namespaces', { auth: admin });
  assert.deepEqual(r.json.namespaces.map((n) => n.name).sort(), ['demo', 'quiet', 'tenant1', 'tenant2']);
  assert.equal(r.json.namespaces.find((n) => n.name === 'tenant1').secret, undefined, 'list does not leak secrets');

  const c = await Client.open(node, { ns: 'tenant1', user: 't', token: jwt(secret, { sub: 't' }) });
  r = await api(node, 'POST', '/v1/push', { auth: { basic: `tenant1:${secret}` }, body: { to: { users: ['t'] }, data: 1 } });
  assert.equal(r.json.sessions, 1);
  await c.message();

  r = await api(node, 'DELETE', '/v1/admin/namespaces/tenant1', { auth: admin });
  assert.equal(r.status, 200);
  assert.equal((await c.closed).code, 4000);
  assert.equal((await api(node, 'DELETE', '/v1/admin/namespaces/tenant1', { auth: admin })).status, 404);
  assert.equal((await refusal(node, `/v1/ws?ns=tenant1&token=${jwt(secret, { sub: 't' })}`)).status, 404);
  assert.equal((await api(node, 'POST', '/v1/push', { auth: { basic: `tenant1:${secret}` }, body: { to: { all: true }, data: 1 } })).status, 401);
});

test('a token minted for a user of a namespace, as `herald token` prints', async () => {
  let r = await api(node, 'POST', '/v1/admin/namespaces/demo/token', { auth: admin, body: { user: 'minted', ttl: 600 } });
  assert.equal(r.status, 200);
  assert.equal(r.json.ns, 'demo');
  assert.equal(r.json.user, 'minted');
  const claims = JSON.parse(Buffer.from(r.json.token.split('.')[1], 'base64url'));
  assert.equal(claims.sub, 'minted');
  assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 600)) < 30, `exp ${claims.exp}`);
  const c = await Client.open(node, { ns: 'demo', user: 'minted', token: r.json.token });
  const ok = await api(node, 'POST', '/v1/push', { body: { to: { users: ['minted'] }, data: 'hi' } });
  assert.equal(ok.json.sessions, 1);
  assert.equal((await c.message()).data, 'hi');
  c.close();
  r = await api(node, 'POST', '/v1/admin/namespaces/demo/token', { auth: admin, body: { user: 'forever', ttl: 0 } });
  assert.equal(JSON.parse(Buffer.from(r.json.token.split('.')[1], 'base64url')).exp, undefined);
  // Bad input: each a 4xx with a JSON error.
  for (const [body, status] of [[{}, 400], [{ user: '' }, 400], [{ user: 5 }, 400], [{ user: 'a\u0001b' }, 400], [{ user: 'x'.repeat(129) }, 400],
    [{ user: 'u', ttl: -1 }, 400], [{ user: 'u', ttl: 1.5 }, 400], [{ user: 'u', ttl: 99999999 }, 400], [{ user: 'u', ttl: '60' }, 400]]) {
    r = await api(node, 'POST', '/v1/admin/namespaces/demo/token', { auth: admin, body });
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.json.error.code, 'bad_request');
  }
  assert.equal((await api(node, 'POST', '/v1/admin/namespaces/demo/token', { auth: admin, raw: '{"user":' })).status, 400);
  assert.equal((await api(node, 'POST', '/v1/admin/namespaces/nope/token', { auth: admin, body: { user: 'u' } })).status, 404);
  assert.equal((await api(node, 'GET', '/v1/admin/namespaces/demo/token', { auth: admin })).status, 405);
  assert.equal((await api(node, 'POST', '/v1/admin/namespaces/demo/token', { auth: 'demo', body: { user: 'u' } })).status, 401);
});

test('namespaces made through the API survive a restart', async () => {
  // The node made and deleted namespaces at runtime: it still stops at once
  // (a spawn on a storage thread held CAF's logger and hung the stop).
  const stopped = await node.stop();
  assert.deepEqual(stopped, { code: 0, signal: null }, 'stopped by SIGTERM within the wait');
  assert.ok(!node.log().includes('did not stop'), node.log());
  node = await startNode({ dataDir: dir });
  const r = await api(node, 'GET', '/v1/admin/namespaces', { auth: admin });
  const names = r.json.namespaces.map((n) => n.name);
  assert.ok(names.includes('tenant2'));
  assert.ok(!names.includes('tenant1'));
  // herald token reads API-made namespaces from the running node's store.
  const tok = herald('token', '--config', node.cfg, '--ns', 'tenant2', '--user', 'z').trim();
  const c = await Client.open(node, { ns: 'tenant2', user: 'z', token: tok });
  const p = await api(node, 'POST', '/v1/push', { auth: { basic: 'tenant2:given' }, body: { to: { users: ['z'] }, data: 'back' } });
  assert.equal((await c.message()).data, 'back');
  await c.close();
});
