// The connect callback (namespace key auth_url): the business system
// decides each upgrade from the token (or cookie), the query and chosen
// headers; an allow names the user and rooms to join at once, a deny
// refuses with its status and code before the upgrade; a failure refuses
// (or, with auth_fallback = token, a herald JWT still admits); allows are
// cached per token for auth_cache s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { startNode, Client, api, jwt, metric, refusal } from './lib/herald.mjs';

let calls = [];
let decide = () => ({ status: 200, body: { allow: true, user: 'u1' } });
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => { raw += d; });
  req.on('end', async () => {
    const body = JSON.parse(raw);
    const want = 'sha256=' + createHmac('sha256', 'cc-secret').update(raw).digest('hex');
    calls.push({ body, signed: req.headers['x-herald-signature'] === want, path: req.url });
    const d = await decide(body);
    if (d === 'hang') return;
    res.writeHead(d.status, { 'content-type': 'application/json' });
    res.end(typeof d.body === 'string' ? d.body : JSON.stringify(d.body));
  });
});

let node, port;
before(async () => {
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  port = receiver.address().port;
  node = await startNode({
    extra: `[namespace.cc]
secret = cc-secret
room_policy = token
auth_url = http://127.0.0.1:${port}/auth
auth_timeout = 1
auth_cache = 60
[namespace.fb]
secret = fb-secret
auth_url = http://127.0.0.1:${port}/fallback
auth_timeout = 1
auth_fallback = token
`,
  });
});
after(async () => {
  await node.stop();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const openRaw = (query, headers = {}) => new Promise((resolve, reject) => {
  const ws = new WebSocket(`ws://127.0.0.1:${node.port}/v1/ws?${query}`, { headers });
  const c = new Client(ws);
  ws.on('unexpected-response', (req, res) => reject(new Error(`refused ${res.statusCode}`)));
  c.next((f) => f.type === 'welcome', 5000).then((w) => { c.welcome = w; resolve(c); }, reject);
});

test('an allow admits the named user, without a herald JWT, joined to its rooms', async () => {
  calls = [];
  decide = () => ({ status: 200, body: { allow: true, user: 'ann', rooms: ['news', 'team'], meta: { plan: 'pro' } } });
  const c = await openRaw('ns=cc&token=opaque-session-1&client=ph&app=web', { cookie: 'sid=abc', 'user-agent': 'tester/1' });
  assert.equal(c.welcome.user, 'ann');
  assert.equal(calls.length, 1);
  const b = calls[0].body;
  assert.equal(calls[0].signed, true);
  assert.equal(b.ns, 'cc');
  assert.equal(b.token, 'opaque-session-1');
  assert.deepEqual(b.query, { ns: 'cc', client: 'ph', app: 'web' });
  assert.equal(b.headers.cookie, 'sid=abc');
  assert.equal(b.headers['user-agent'], 'tester/1');
  assert.equal(b.remote, '127.0.0.1');
  // The rooms were joined before any frame of ours: a push reaches them
  // (room_policy token would refuse the client's own join of them).
  await c.quiet();
  const r = await api(node, 'POST', '/v1/push', { auth: { basic: 'cc:cc-secret' }, body: { to: { rooms: ['news'] }, data: 'n' } });
  assert.equal(r.json.sessions, 1);
  assert.equal((await c.message()).room, 'news');
  assert.equal((await c.join('other')).error.code, 'forbidden', 'its own joins still follow the room policy');
  await c.close();
});

test('without any token: the cookie is what the callback decides on', async () => {
  calls = [];
  decide = (b) => (b.headers.cookie === 'sid=good'
    ? { status: 200, body: { allow: true, user: 'cookie-user' } }
    : { status: 200, body: { allow: false, code: 'no_session' } });
  const c = await openRaw('ns=cc', { cookie: 'sid=good' });
  assert.equal(c.welcome.user, 'cookie-user');
  assert.equal(calls[0].body.token, '');
  await c.close();
  const r = await refusal(node, '/v1/ws?ns=cc', { cookie: 'sid=bad' });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'no_session');
});

test('a second connect with the same token is answered from the cache', async () => {
  calls = [];
  decide = () => ({ status: 200, body: { allow: true, user: 'cached-user' } });
  const a = await openRaw('ns=cc&token=tok-cache');
  const b = await openRaw('ns=cc&token=tok-cache');
  assert.equal(b.welcome.user, 'cached-user');
  assert.equal(calls.length, 1);
  assert.ok((await metric(node, /^herald_auth_checks_total\{result="cached"\} (\d+)/m)) >= 1);
  await a.close();
  await b.close();
});

test('a deny refuses before the upgrade with its status and code', async () => {
  decide = () => ({ status: 200, body: { allow: false, status: 402, code: 'payment_required', message: 'pay first' } });
  const r = await refusal(node, '/v1/ws?ns=cc&token=deny-me');
  assert.equal(r.status, 402);
  assert.deepEqual(r.body.error, { code: 'payment_required', message: 'pay first' });
  decide = () => ({ status: 401, body: {} });
  const r2 = await refusal(node, '/v1/ws?ns=cc&token=deny-me-too');
  assert.equal(r2.status, 401);
  assert.equal(r2.body.error.code, 'unauthorized');
  // An allow without a valid user is not an allow.
  decide = () => ({ status: 200, body: { allow: true } });
  assert.equal((await refusal(node, '/v1/ws?ns=cc&token=no-user')).status, 503);
});

test('a receiver that fails or does not answer in time refuses (deny by default)', async () => {
  decide = () => ({ status: 500, body: 'oops' });
  const r = await refusal(node, '/v1/ws?ns=cc&token=t500');
  assert.equal(r.status, 503);
  assert.equal(r.body.error.code, 'unavailable');
  decide = () => 'hang';
  const t0 = Date.now();
  const h = await refusal(node, '/v1/ws?ns=cc&token=thang');
  assert.equal(h.status, 503);
  assert.ok(Date.now() - t0 >= 900, 'waited for auth_timeout');
  assert.ok((await metric(node, /^herald_auth_checks_total\{result="error"\} (\d+)/m)) >= 2);
});

test('auth_fallback = token: when the callback fails, a herald JWT still admits', async () => {
  decide = () => ({ status: 503, body: {} });
  const c = await openRaw(`ns=fb&token=${jwt('fb-secret', { sub: 'jwt-user' })}`);
  assert.equal(c.welcome.user, 'jwt-user');
  await c.close();
  assert.equal((await refusal(node, '/v1/ws?ns=fb&token=not-a-jwt')).status, 503);
  // A deny is a deny: the fallback is for failures only.
  decide = () => ({ status: 200, body: { allow: false } });
  assert.equal((await refusal(node, `/v1/ws?ns=fb&token=${jwt('fb-secret', { sub: 'jwt-user' })}`)).status, 403);
});

test('an unreachable receiver refuses with 503 (deny by default)', async () => {
  const admin = { bearer: 'admin-token' };
  const made = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'gone', auth_url: 'http://127.0.0.1:1/auth' } });
  assert.equal(made.status, 200);
  const r = await refusal(node, '/v1/ws?ns=gone&token=whatever');
  assert.equal(r.status, 503);
  assert.equal(r.body.error.code, 'unavailable');
  assert.match(r.body.error.message, /connect/);
});

test('auth_url is checked like every callback URL', async () => {
  const admin = { bearer: 'admin-token' };
  const bad = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'x1', auth_url: 'http://10.9.9.9/auth' } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /hook_hosts/);
  const fb = await api(node, 'POST', '/v1/admin/namespaces', { auth: admin, body: { name: 'x2', auth_fallback: 'maybe' } });
  assert.equal(fb.status, 400);
});
