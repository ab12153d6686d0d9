// Upgrade refusals (before the upgrade, with a JSON body), welcome, tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, refusal, tokenFor, jwt, herald, api } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node.stop(); });

test('welcome frame carries session, user, node and heartbeat', async () => {
  const c = await Client.open(node, { user: 'alice', client: 'phone' });
  assert.equal(c.welcome.user, 'alice');
  assert.equal(c.welcome.node, 'n1');
  assert.equal(c.welcome.heartbeat, 25);
  assert.equal(typeof c.welcome.session, 'string');
  assert.ok(c.welcome.session.length > 0);
  await c.close();
});

test('token in the Authorization header works too', async () => {
  const c = await Client.open(node, { user: 'bob', query: 'ns=demo', headers: { authorization: `Bearer ${tokenFor('bob')}` } });
  assert.equal(c.welcome.user, 'bob');
  await c.close();
});

test('bad requests are refused before the upgrade with status and JSON error', async () => {
  const good = tokenFor('u1');
  const cases = [
    ['/v1/ws?ns=demo', 401, 'unauthorized'],
    [`/v1/ws?ns=demo&token=garbage`, 401, 'unauthorized'],
    [`/v1/ws?ns=demo&token=${tokenFor('u1', 'quiet')}`, 401, 'unauthorized'], // other namespace's secret
    [`/v1/ws?ns=demo&token=${jwt('demo-secret', { sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 })}`, 401, 'unauthorized'],
    [`/v1/ws?ns=demo&token=${jwt('demo-secret', { user: 'u1' })}`, 401, 'unauthorized'], // no sub
    [`/v1/ws?ns=nope&token=${good}`, 404, 'not_found'],
    [`/v1/ws?token=${good}`, 400, 'bad_request'],
    [`/v1/ws?ns=Bad!&token=${good}`, 400, 'bad_request'],
    [`/v1/ws?ns=demo&token=${good}&client=`, 400, 'bad_request'],
    [`/v1/ws?ns=demo&token=${good}&client=${'x'.repeat(129)}`, 400, 'bad_request'],
    [`/v1/ws?ns=demo&token=${good}&client=%zz`, 400, 'bad_request'],
    [`/v1/other?ns=demo&token=${good}`, 404, 'not_found'],
  ];
  for (const [q, status, code] of cases) {
    const r = await refusal(node, q);
    assert.equal(r.status, status, q);
    assert.equal(r.body.error.code, code, q);
    assert.equal(typeof r.body.error.message, 'string');
  }
  const m = await api(node, 'GET', '/metrics', { auth: null });
  assert.match(m.text, /herald_connections_refused_total\{reason="bad_token"\} [1-9]/);
});

test('alg none is refused', async () => {
  const head = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify({ sub: 'u1' })).toString('base64url');
  const r = await refusal(node, `/v1/ws?ns=demo&token=${head}.${body}.`);
  assert.equal(r.status, 401);
});

test('herald token prints a token the node accepts, with expiry when asked', async () => {
  const tok = herald('token', '--config', node.cfg, '--ns', 'demo', '--user', 'carol', '--ttl', '60').trim();
  const payload = JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString());
  assert.equal(payload.sub, 'carol');
  assert.ok(payload.exp > Date.now() / 1000 && payload.exp <= Date.now() / 1000 + 61);
  const c = await Client.open(node, { token: tok });
  assert.equal(c.welcome.user, 'carol');
  await c.close();
  assert.throws(() => herald('token', '--config', node.cfg, '--ns', 'nope', '--user', 'x'));
});

test('herald --help explains the server and the token command', () => {
  const out = herald('--help');
  assert.match(out, /--config FILE/);
  assert.match(out, /herald token/);
  assert.match(out, /--section\.key=value/);
});
