// Heartbeat: pings every `heartbeat` s, silent peers closed after 3; graceful shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { startNode, Client, api, until, tokenFor, BIN } from './lib/herald.mjs';

test('the server pings every heartbeat and closes a silent peer after 3', async () => {
  const node = await startNode({ args: ['--limits.heartbeat=1'] });
  try {
    const alive = await Client.open(node, { user: 'alive' }); // ws answers pings with pongs
    let pings = 0;
    alive.ws.on('ping', () => { pings++; });
    assert.equal(alive.welcome.heartbeat, 1);
    // A peer that upgrades and then never answers anything.
    const silent = connect(node.port, '127.0.0.1');
    silent.on('error', () => {});
    silent.on('data', () => {}); // reads (so it sees the end) but never answers
    silent.write(`GET /v1/ws?ns=demo&token=${tokenFor('silent')} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const ended = new Promise((resolve) => silent.on('close', resolve));
    const t0 = Date.now();
    await until(async () => (await api(node, 'GET', '/v1/users/silent')).json.online, { what: 'silent online' });
    await Promise.race([ended, new Promise((_, rej) => setTimeout(() => rej(new Error('silent peer not closed')), 10000))]);
    const took = Date.now() - t0;
    assert.ok(took >= 2500, `closed too early (${took} ms)`);
    assert.ok(pings >= 2, `only ${pings} pings`);
    assert.equal((await api(node, 'GET', '/v1/users/alive')).json.online, true, 'a live peer stays');
    await alive.close();
  } finally {
    await node.stop();
  }
});

// 10k sessions pinged in one sweep held deliveries up to ~300 ms behind
// the pings: each second a slice of them pings, each session once a round.
test('pings are spread over the heartbeat, each session once a round', async () => {
  const node = await startNode({ args: ['--limits.heartbeat=3'] });
  const clients = [];
  try {
    const pings = [];
    for (let i = 0; i < 30; i++) {
      const c = await Client.open(node, { user: `spread${i}` });
      pings.push([]);
      c.ws.on('ping', () => pings[i].push(Date.now()));
      clients.push(c);
    }
    // The round they joined in may ping them all on its last tick; the
    // next one is a full round, cut in slices.
    await until(() => pings.every((p) => p.length >= 2), { timeout: 12000, what: 'two pings each' });
    const second = pings.map((p) => p[1]);
    const spread = Math.max(...second) - Math.min(...second);
    assert.ok(spread >= 1000, `a round's pings all came within ${spread} ms`);
    for (const p of pings) assert.ok(p[1] - p[0] >= 1500, `pinged twice in ${p[1] - p[0]} ms`);
  } finally {
    for (const c of clients) await c.close();
    await node.stop();
  }
});

test('SIGTERM closes sessions with 1001 and exits 0 within a few seconds', async () => {
  const node = await startNode({ args: ['--node.log_level=info'] });
  const clients = await Promise.all([1, 2, 3].map((i) => Client.open(node, { user: `bye${i}` })));
  const t0 = Date.now();
  node.proc.kill('SIGTERM');
  for (const c of clients) assert.equal((await c.closed).code, 1001);
  const { code, signal } = await node.exited;
  assert.equal(code, 0);
  assert.equal(signal, null);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  assert.match(node.log(), /stopped/);
  await node.stop();
});

test('SIGINT works the same way, with no client connected', async () => {
  const node = await startNode();
  node.proc.kill('SIGINT');
  const { code } = await node.exited;
  assert.equal(code, 0);
  await node.stop();
});

test('a second node on the same data_dir refuses to start with a clear message', async () => {
  const node = await startNode();
  try {
    const { spawnSync } = await import('node:child_process');
    const { BIN } = await import('./lib/herald.mjs');
    const r = spawnSync(BIN, ['--config', node.cfg, '--node.listen=127.0.0.1:0'], { encoding: 'utf8', timeout: 10000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /in use by another herald/);
  } finally {
    await node.stop();
  }
});

test('SIGTERM right after many clients dropped their connections still exits promptly', async () => {
  // Regression: the namespace actors still held the dropped sessions when
  // the server's executor was destroyed; closing them then hung the node
  // (in about half the tries with 8,000 connections). herald-bench (built
  // beside herald) opens them and drops them all at once when it exits.
  const bench = join(dirname(BIN), 'herald-bench');
  for (let round = 0; round < 2; round++) {
    const node = await startNode();
    const r = spawnSync(bench, ['--port', String(node.port), '--ns', 'demo', '--secret', 'demo-secret', '--mode', 'idle',
      '--conns', '8000', '--hold', '0'], { encoding: 'utf8', timeout: 60000 });
    assert.match(r.stdout, /"ready":8000/, r.stderr.slice(-500));
    node.proc.kill('SIGTERM');
    const exit = await Promise.race([node.exited, new Promise((res) => setTimeout(() => res('hung'), 15000))]);
    if (exit === 'hung') node.proc.kill('SIGKILL');
    assert.notEqual(exit, 'hung', `round ${round}: herald did not exit within 15 s of SIGTERM`);
    assert.equal(exit.code, 0);
    await node.stop();
  }
});
