// A client that never reads: its queue is bounded, it is closed (1013), the
// server's memory does not grow with it, and everyone else is still served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startNode, Client, push, api, until, tokenFor } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode({ args: ['--limits.send_queue=262144'] }); });
after(async () => { await node.stop(); });

// Upgrades by hand and then never reads a byte.
function stuckClient(user) {
  return new Promise((resolve, reject) => {
    const s = connect(node.port, '127.0.0.1', () => {
      s.write(`GET /v1/ws?ns=demo&token=${tokenFor(user)} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      s.once('data', (d) => { s.pause(); resolve(s); }); // 101 + maybe welcome, then stop reading
    });
    s.setRecvBufferSize?.(4096);
    s.on('error', () => {});
    setTimeout(() => reject(new Error('no upgrade')), 5000);
  });
}

test('a stuck reader is closed and does not hold memory; others are served', async () => {
  const stuck = await stuckClient('stuck');
  const healthy = await Client.open(node, { user: 'healthy' });
  const rssBefore = node.rssKb();
  const payload = 'x'.repeat(60000);
  let stuckGone = false;
  for (let i = 0; i < 400 && !stuckGone; i++) {
    // ttl 0: live only, so what is measured is the send queue, not the store.
    const r = await push(node, { to: { users: ['stuck', 'healthy'] }, data: payload, ttl: 0 });
    assert.equal(r.status, 200);
    await healthy.message((f) => f.id === r.json.id); // served all along
    if (i % 20 === 19) stuckGone = !(await api(node, 'GET', '/v1/users/stuck')).json.online;
  }
  await until(async () => !(await api(node, 'GET', '/v1/users/stuck')).json.online, { timeout: 10000, what: 'stuck session closed' });
  const m = await api(node, 'GET', '/metrics', { auth: null });
  assert.match(m.text, /^herald_slow_sessions_closed_total [1-9]/m);
  assert.match(m.text, /herald_sessions_closed_total\{code="1013"\} 1/);
  // 400 x 60 KB = 24 MB pushed at it; the server kept at most its queue plus socket buffers.
  const grown = node.rssKb() - rssBefore;
  assert.ok(grown < 16 * 1024, `RSS grew by ${grown} KB`);
  const r = await push(node, { to: { users: ['healthy'] }, data: 'after' });
  assert.equal((await healthy.message((f) => f.id === r.json.id)).data, 'after');
  stuck.destroy();
  await healthy.close();
});
