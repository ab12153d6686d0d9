// Secret rotation: POST /v1/admin/namespaces/{ns}/secret answers a new
// secret; the old one keeps working (tokens and Basic auth) for the
// namespace's secret_grace seconds, then stops; the change survives a
// restart and reaches every member of a cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, Client, api, jwt, refusal, freePort, until } from './lib/herald.mjs';

const admin = { bearer: 'admin-token' };
const basic = (ns, secret) => ({ basic: `${ns}:${secret}` });
const stats = (node, ns, secret) => api(node, 'GET', '/v1/stats', { auth: basic(ns, secret) });
const wsStatus = async (node, ns, secret) => {
  try {
    const c = await Client.open(node, { ns, user: 'u', token: jwt(secret, { sub: 'u' }) });
    await c.close();
    return 101;
  } catch {
    return (await refusal(node, `/v1/ws?ns=${ns}&token=${jwt(secret, { sub: 'u' })}`)).status;
  }
};

test('both secrets work during the grace, only the new one after it, and across a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-rotate-'));
  let node = await startNode({ dataDir: dir });
  try {
    let r = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'rot', secret: 'old-secret', secret_grace: 2 } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.secret_grace, 2);
    const c = await Client.open(node, { ns: 'rot', user: 'live', token: jwt('old-secret', { sub: 'live' }) });

    r = await api(node, 'POST', '/v1/admin/namespaces/rot/secret', { auth: admin });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const fresh = r.json.secret;
    assert.match(fresh, /^[0-9a-f]{32}$/);
    assert.notEqual(fresh, 'old-secret');
    const until_s = r.json.previous_valid_until;
    assert.ok(Math.abs(until_s - (Date.now() / 1000 + 2)) <= 2, String(until_s));

    // In the grace: both, for Basic auth and for tokens; the open session stays.
    assert.equal((await stats(node, 'rot', 'old-secret')).status, 200);
    assert.equal((await stats(node, 'rot', fresh)).status, 200);
    assert.equal(await wsStatus(node, 'rot', 'old-secret'), 101);
    assert.equal(await wsStatus(node, 'rot', fresh), 101);
    assert.equal((await stats(node, 'rot', 'nonsense')).status, 401);

    // After it: the new one only. The session opened with the old one is
    // not cut off (its token was valid when it connected).
    while (Date.now() < (until_s + 1) * 1000) await new Promise((res) => setTimeout(res, 100));
    assert.equal((await stats(node, 'rot', 'old-secret')).status, 401);
    assert.equal(await wsStatus(node, 'rot', 'old-secret'), 401);
    assert.equal((await stats(node, 'rot', fresh)).status, 200);
    r = await api(node, 'POST', '/v1/push', { auth: basic('rot', fresh), body: { to: { users: ['live'] }, data: 'still' } });
    assert.equal(r.json.sessions, 1);
    assert.equal((await c.message()).data, 'still');
    await c.close();

    // A rotation is stored: a restart keeps the new secret.
    await node.stop();
    node = await startNode({ dataDir: dir });
    assert.equal((await stats(node, 'rot', fresh)).status, 200);
    assert.equal((await stats(node, 'rot', 'old-secret')).status, 401);

    // Refusals.
    assert.equal((await api(node, 'POST', '/v1/admin/namespaces/nope/secret', { auth: admin })).status, 404);
    assert.equal((await api(node, 'GET', '/v1/admin/namespaces/rot/secret', { auth: admin })).status, 405);
    assert.equal((await api(node, 'POST', '/v1/admin/namespaces/rot/secret', { auth: basic('rot', fresh) })).status, 401);
    assert.equal((await api(node, 'POST', '/v1/admin/namespaces/rot/other', { auth: admin })).status, 404);
    assert.equal((await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'g2', secret_grace: -1 } })).status, 400);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rotation on one member reaches the others', async () => {
  const [ca, cb] = [await freePort(), await freePort()];
  const a = await startNode({ name: 'a', cluster: { port: ca } });
  const b = await startNode({ name: 'b', cluster: { port: cb, seeds: [ca] } });
  try {
    await until(async () => (await api(b, 'GET', '/v1/cluster')).json?.nodes?.length === 2, { timeout: 10000, what: 'two members' });
    let r = await api(a, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'crot', secret: 'first' } });
    assert.equal(r.status, 200);
    await until(async () => (await stats(b, 'crot', 'first')).status === 200, { timeout: 10000, what: 'b to learn crot' });
    r = await api(a, 'POST', '/v1/admin/namespaces/crot/secret', { auth: admin });
    assert.equal(r.status, 200);
    const fresh = r.json.secret;
    await until(async () => (await stats(b, 'crot', fresh)).status === 200, { timeout: 10000, what: 'b to learn the new secret' });
    assert.equal((await stats(b, 'crot', 'first')).status, 200, 'the old one is in its grace on b too');
    assert.equal(await wsStatus(b, 'crot', fresh), 101);
  } finally {
    await b.stop();
    await a.stop();
  }
});
