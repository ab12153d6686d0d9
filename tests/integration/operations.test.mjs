// Operations: herald --version, a host name (localhost) in node.listen,
// and herald token with the server's --section.key=value overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, Client, api, herald, freePort } from './lib/herald.mjs';

test('herald --version names the version', () => {
  const out = herald('--version');
  assert.match(out, /^herald \d+\.\d+\.\d+( \([0-9a-f]+\))?\n$/);
});

test('node.listen may name a host: localhost', async () => {
  const port = await freePort();
  const node = await startNode({ port, args: [`--node.listen=localhost:${port}`] });
  try {
    assert.equal((await api(node, 'GET', '/healthz', { auth: null })).status, 200);
  } finally {
    await node.stop();
  }
});

test('herald token finds an API-made namespace through --node.data_dir', async () => {
  const node = await startNode();
  const elsewhere = mkdtempSync(join(tmpdir(), 'herald-tok-'));
  try {
    const r = await api(node, 'POST', '/v1/admin/namespaces', { auth: { bearer: 'admin-token' }, body: { name: 'made' } });
    assert.equal(r.status, 200);
    // A config file that knows nothing of that node's data_dir.
    const cfg = join(elsewhere, 'other.ini');
    writeFileSync(cfg, `[node]\ndata_dir = ${join(elsewhere, 'none')}\n`);
    const tok = herald('token', '--config', cfg, '--ns', 'made', '--user', 'zed', `--node.data_dir=${join(node.dir, 'data')}`).trim();
    const c = await Client.open(node, { ns: 'made', user: 'zed', token: tok });
    assert.equal(c.welcome.user, 'zed');
    await c.close();
    assert.throws(() => herald('token', '--config', cfg, '--ns', 'made', '--user', 'zed', '--node.nonsense=1'), /node\.nonsense/);
  } finally {
    await node.stop();
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('[log] format = json writes one JSON object per line', async () => {
  const node = await startNode({ args: ['--log.format=json', '--node.log_level=info'] });
  try {
    // More lines of its own: a refused upgrade with a quote in its URL.
    await fetch(`http://127.0.0.1:${node.port}/v1/ws?ns=nope"x`, { headers: { upgrade: 'websocket', connection: 'upgrade' } }).catch(() => {});
  } finally {
    await node.stop();
  }
  const lines = node.log().split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length >= 2, node.log());
  for (const l of lines) {
    const j = JSON.parse(l);  // throws on a line that is not JSON
    assert.equal(typeof j.ts, 'number');
    assert.ok(['trace', 'debug', 'info', 'warning', 'error', 'critical'].includes(j.level), l);
    assert.equal(j.node, 'n1');
    assert.equal(typeof j.msg, 'string');
  }
  assert.ok(lines.some((l) => JSON.parse(l).msg.includes('listening on')), node.log());
  assert.throws(() => herald('--config', '/dev/null', '--log.format=xml'), /log\.format/);
});

// The build links the server with jemalloc unless told not to (a sanitizer
// build); ctest says which it configured, and the node names the malloc it
// actually runs on, so a link order that lets glibc's win is caught here.
test('the node runs on the allocator it was built with', { skip: !process.env.HERALD_ALLOCATOR }, async () => {
  const node = await startNode({ args: ['--node.log_level=info'] });
  await node.stop();
  const m = node.log().match(/listening on .*allocator (\w+)/);
  assert.ok(m, node.log());
  assert.equal(m[1], process.env.HERALD_ALLOCATOR);
});
