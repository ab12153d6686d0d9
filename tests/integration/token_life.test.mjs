// Token lifetime: a session is closed with 4001 when its token's `exp`
// passes, unless it refreshed with a valid newer token for the same user
// ({"type":"refresh","token":…,"id":n}, answered by a reply).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, api, jwt } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node.stop(); });

const secs = () => Math.floor(Date.now() / 1000);
const tok = (sub, exp, secret = 'demo-secret') => jwt(secret, exp === undefined ? { sub } : { sub, exp });
const push = (user, data) => api(node, 'POST', '/v1/push', { auth: { basic: 'demo:demo-secret' }, body: { to: { users: [user] }, data } });

test('a session is closed with 4001 once its token expires, and gets nothing after', async () => {
  const exp = secs() + 2;
  const c = await Client.open(node, { user: 'short', token: tok('short', exp) });
  assert.equal((await push('short', 'before')).json.sessions, 1);
  assert.equal((await c.message()).data, 'before');
  const closed = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r(null), 6000))]);
  assert.ok(closed, 'closed within 6 s of connecting with a 2 s token');
  assert.equal(closed.code, 4001);
  assert.ok(Date.now() >= (exp - 1) * 1000, 'not closed before the token expired');
  assert.equal((await push('short', 'after')).json.sessions, 0);
});

test('a refresh with a later token for the same user keeps the session past the first expiry', async () => {
  const exp = secs() + 2;
  const c = await Client.open(node, { user: 'keeper', token: tok('keeper', exp) });
  const later = secs() + 60;
  const r = await c.request({ type: 'refresh', token: tok('keeper', later) });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.expires, later);
  // Past the first token's expiry (and its 1 s granularity), still delivered.
  while (Date.now() < (exp + 1.5) * 1000) await new Promise((res) => setTimeout(res, 100));
  assert.equal((await push('keeper', 'still here')).json.sessions, 1);
  assert.equal((await c.message()).data, 'still here');
  // A token without exp lifts the limit.
  const r2 = await c.request({ type: 'refresh', token: tok('keeper') });
  assert.equal(r2.ok, true);
  assert.equal(r2.expires, null);
  await c.close();
});

test('bad refreshes are refused and leave the expiry as it was', async () => {
  const exp = secs() + 3;
  const c = await Client.open(node, { user: 'carol', token: tok('carol', exp) });
  const refused = [
    [{ type: 'refresh', token: tok('mallory', secs() + 600) }, 'unauthorized'],         // another user
    [{ type: 'refresh', token: tok('carol', secs() + 600, 'quiet-secret') }, 'unauthorized'], // another namespace's secret
    [{ type: 'refresh', token: 'garbage' }, 'unauthorized'],
    [{ type: 'refresh', token: tok('carol', secs() - 10) }, 'unauthorized'],          // expired already
    [{ type: 'refresh', token: tok('carol', exp - 2) }, 'unauthorized'],              // not later than the current one
    [{ type: 'refresh' }, 'bad_frame'],
    [{ type: 'refresh', token: 42 }, 'bad_frame'],
  ];
  for (const [frame, code] of refused) {
    const r = await c.request(frame);
    assert.equal(r.ok, false, JSON.stringify(frame));
    assert.equal(r.error.code, code, JSON.stringify([frame, r]));
  }
  const closed = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r(null), 7000))]);
  assert.ok(closed, 'the original expiry still closed it');
  assert.equal(closed.code, 4001);
});

test('a session whose token has no exp may take one on with a refresh', async () => {
  const c = await Client.open(node, { user: 'forever', token: tok('forever') });
  assert.equal((await push('forever', 1)).json.sessions, 1);
  await c.message();
  // It may take a limit on itself with a refresh.
  const e = secs() + 30;
  const r = await c.request({ type: 'refresh', token: tok('forever', e) });
  assert.equal(r.ok, true);
  assert.equal(r.expires, e);
  await c.close();
});
