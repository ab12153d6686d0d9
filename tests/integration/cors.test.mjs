// CORS for the HTTP API ([node] cors_origins): a browser page on a listed
// origin may call it (preflight answered, headers on every answer); any
// other origin gets no CORS headers and a refused preflight; by default
// no origin is allowed. Requests without an Origin are not affected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, api } from './lib/herald.mjs';

let node, plain;
before(async () => {
  node = await startNode({ args: ['--node.cors_origins=http://127.0.0.1:8000, https://App.example'] });
  plain = await startNode({ name: 'n2' });
});
after(async () => { await node.stop(); await plain.stop(); });

const preflight = (n, origin, method = 'POST') =>
  fetch(`${n.base}/v1/push`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  });

test('a preflight from a listed origin is answered with what the API takes', async () => {
  for (const origin of ['http://127.0.0.1:8000', 'https://app.example']) {
    const r = await preflight(node, origin);
    assert.equal(r.status, 204, origin);
    assert.equal(r.headers.get('access-control-allow-origin'), origin);
    assert.match(r.headers.get('access-control-allow-methods'), /POST/);
    assert.match(r.headers.get('access-control-allow-headers'), /Authorization/);
    assert.match(r.headers.get('vary'), /Origin/);
    assert.ok(Number(r.headers.get('access-control-max-age')) > 0);
  }
});

test('answers to a listed origin carry the CORS headers, errors too', async () => {
  const origin = 'http://127.0.0.1:8000';
  const ok = await api(node, 'POST', '/v1/push', { body: { to: { users: ['u'] }, data: 1 }, headers: { origin } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), origin);
  const bad = await api(node, 'GET', '/v1/nowhere', { headers: { origin } });
  assert.equal(bad.status, 404);
  assert.equal(bad.headers.get('access-control-allow-origin'), origin);
  assert.match(bad.headers.get('access-control-expose-headers'), /Retry-After/);
});

test('other origins get no CORS headers and a refused preflight', async () => {
  const r = await preflight(node, 'http://evil.example');
  assert.equal(r.status, 403);
  assert.equal((await r.json()).error.code, 'forbidden');
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  const a = await api(node, 'GET', '/v1/stats', { headers: { origin: 'http://evil.example' } });
  assert.equal(a.status, 200);  // the browser hides it from the page: no allow header
  assert.equal(a.headers.get('access-control-allow-origin'), null);
});

test('by default no origin is allowed; calls without an Origin work as ever', async () => {
  assert.equal((await preflight(plain, 'http://127.0.0.1:8000')).status, 403);
  const a = await api(plain, 'GET', '/v1/stats', { headers: { origin: 'http://127.0.0.1:8000' } });
  assert.equal(a.headers.get('access-control-allow-origin'), null);
  const b = await api(plain, 'GET', '/v1/stats');
  assert.equal(b.status, 200);
  // A plain OPTIONS (not a preflight) is a method the API does not take.
  const o = await api(plain, 'OPTIONS', '/v1/stats');
  assert.equal(o.status, 405);
});

test('a bad cors_origins entry stops the node with a clear message', async () => {
  const n = await startNode({ name: 'n3', args: ['--node.cors_origins=not-an-origin'], ready: false });
  const r = await n.exited;
  assert.notEqual(r.code, 0);
  assert.match(n.log(), /cors_origins/);
});
