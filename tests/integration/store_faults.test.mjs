// Disk faults and damaged data (issue "Robustness", defects 3 and 5): a full
// disk refuses writes with 503 and recovers when space returns, never
// aborting, also across a restart; a data_dir whose write-ahead log or
// MANIFEST is damaged or truncated is refused at start with a clear message
// unless the operator accepts the loss; a damaged table file answers 503.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, statSync, truncateSync, openSync, writeSync, readSync, closeSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startNode, Client, push, api, until, refusedStart } from './lib/herald.mjs';

const dirs = [];
const freshDir = () => { const d = mkdtempSync(join(tmpdir(), 'herald-faults-')); dirs.push(d); return d; };
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const files = (dir, re) => readdirSync(join(dir, 'data')).filter((f) => re.test(f)).map((f) => join(dir, 'data', f));
function flipByte(path, at) {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] ^= 0x5a;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

// Starts a node that is expected to refuse its data_dir: resolves with its
// exit code and log.
const refusedOn = (dir, args = []) => refusedStart({ dataDir: dir, args }, { what: 'herald started on a damaged data_dir' });

// Durable pushes to `user` (each answered 200); their ids.
async function stored(node, user, n, data = (i) => i) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const r = await push(node, { to: { users: [user] }, data: data(i) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    ids.push(r.json.id);
  }
  return ids;
}

// What a new device of `user` is sent, until `enough` returns true. It
// acks as it goes: a replay sends its next page once the last one is acked.
async function backlog(node, user, device, enough) {
  const c = await Client.open(node, { user, client: device });
  let acked = 0;
  await until(() => {
    const m = c.messages();
    if (m.length > acked) c.send({ type: 'ack', ids: m.slice(acked).map((x) => x.id) });
    acked = m.length;
    return enough(m);
  }, { timeout: 15000, what: `backlog of ${user}` });
  await c.quiet();
  const got = c.messages().map((m) => m.id);
  await c.close();
  return got;
}

// A data_dir whose last `n` pushes to `user` are only in the write-ahead
// log (the node was killed): the dir, their ids and the log's path.
async function killedAfter(user, n) {
  const dir = freshDir();
  const node = await startNode({ dataDir: dir });
  const ids = await stored(node, user, n);
  node.proc.kill('SIGKILL');
  await node.exited;
  const [wal] = files(dir, /\.log$/);
  assert.ok(wal, 'a write-ahead log after kill -9');
  return { dir, ids, wal };
}

test('a truncated write-ahead log is refused at start; accept_loss opens what is left and says so', async () => {
  const { dir, ids, wal } = await killedAfter('wal', 60);
  let node;
  truncateSync(wal, Math.floor(statSync(wal).size / 2));

  const refused = await refusedOn(dir);
  assert.notEqual(refused.code, 0);
  assert.match(refused.log, /writes are missing/);
  assert.match(refused.log, /storage.recovery=accept_loss/);
  // Refusing changed nothing: a second try is refused the same way.
  assert.match((await refusedOn(dir)).log, /writes are missing/);

  node = await startNode({ dataDir: dir, args: ['--storage.recovery=accept_loss'] });
  try {
    assert.match(node.log(), /accepted the loss of \d+ writes/);
    const got = await backlog(node, 'wal', 'd', (m) => m.length > 0);
    // What survives is a prefix of what was stored, in order, each once.
    assert.ok(got.length > 0 && got.length < ids.length, `${got.length} of ${ids.length} survive`);
    assert.deepEqual(got, ids.slice(0, got.length));
  } finally {
    await node.stop();
  }
  // Once accepted, the node starts normally again.
  node = await startNode({ dataDir: dir });
  await node.stop();
});

test('a damaged write-ahead log is refused at start; accept_loss keeps what precedes the damage', async () => {
  const { dir, ids, wal } = await killedAfter('flip', 60);
  let node;
  flipByte(wal, Math.floor(statSync(wal).size / 2));

  const refused = await refusedOn(dir);
  assert.notEqual(refused.code, 0);
  assert.match(refused.log, /write-ahead log .* is damaged/);
  assert.match(refused.log, /storage.recovery=accept_loss/);

  node = await startNode({ dataDir: dir, args: ['--storage.recovery=accept_loss'] });
  try {
    assert.match(node.log(), /accepted the loss/);
    const got = await backlog(node, 'flip', 'd', (m) => m.length > 0);
    assert.ok(got.length > 0 && got.length < ids.length, `${got.length} of ${ids.length} survive`);
    assert.deepEqual(got, ids.slice(0, got.length));
  } finally {
    await node.stop();
  }
});

test('a damaged MANIFEST is refused at start instead of opening an empty store; repair salvages it', async () => {
  const dir = freshDir();
  let node = await startNode({ dataDir: dir });
  const ids = await stored(node, 'mani', 40);
  await node.stop(); // a clean stop leaves them in table files
  node = await startNode({ dataDir: dir });
  const logged = await stored(node, 'mani', 5);
  node.proc.kill('SIGKILL'); // these are in the write-ahead log only
  await node.exited;
  const manifest = files(dir, /^MANIFEST-/).sort().pop();
  truncateSync(manifest, Math.floor(statSync(manifest).size / 2));

  const refused = await refusedOn(dir);
  assert.notEqual(refused.code, 0);
  assert.match(refused.log, /MANIFEST/);
  assert.match(refused.log, /storage.recovery=repair/);

  node = await startNode({ dataDir: dir, args: ['--storage.recovery=repair'] });
  try {
    assert.match(node.log(), /repaired the database/);
    const got = await backlog(node, 'mani', 'd', (m) => m.length >= ids.length);
    assert.deepEqual(got.slice(0, ids.length), ids);
    assert.deepEqual(got.slice(ids.length), logged.slice(0, got.length - ids.length));
    // RepairDB cannot place a log's records in a column family the MANIFEST
    // no longer names: what it dropped, the synced mark counts.
    if (got.length < ids.length + logged.length) assert.match(node.log(), /accepted the loss of \d+ writes/);
    // Other namespaces' users and the rest of the node work as before.
    const r = await push(node, { to: { users: ['after-repair'] }, data: 1 });
    assert.equal(r.status, 200);
  } finally {
    await node.stop();
  }
});

test('a damaged table file answers 503 store_unavailable and the node stays up', async () => {
  const dir = freshDir();
  let node = await startNode({ dataDir: dir });
  for (let i = 0; i < 300; i++) {
    const r = await push(node, { to: { rooms: ['sst'], users: ['sst'] }, data: { i, pad: randomBytes(500).toString('hex') } });
    assert.equal(r.status, 200);
  }
  await node.stop();
  // Opening replays the write-ahead log into table files.
  node = await startNode({ dataDir: dir });
  await node.stop();
  const ssts = files(dir, /\.sst$/);
  assert.ok(ssts.length > 0);
  // Damage the data blocks of the big files, not the index and footer
  // (their last bytes) that opening reads.
  for (const f of ssts) {
    const size = statSync(f).size;
    if (size > 64 << 10) for (let at = 1000; at < size * 0.8; at += 4001) flipByte(f, at);
  }
  node = await startNode({ dataDir: dir });
  try {
    const h = await api(node, 'GET', '/v1/rooms/sst/history');
    assert.equal(h.status, 503, h.text.slice(0, 300));
    assert.equal(h.json.error.code, 'store_unavailable', h.text.slice(0, 300));
    assert.match(h.json.error.message, /damaged|corrupt/i);
    const c = await Client.open(node, { user: 'sst', client: 'd' });
    await c.quiet();
    await c.close();
    const p = await push(node, { to: { users: ['sst'] }, data: 'after' });
    assert.ok([200, 503].includes(p.status), p.text.slice(0, 300));
    if (p.status === 503) assert.equal(p.json.error.code, 'store_unavailable');
    // A user whose data is intact is not affected (an error answer once
    // ended the namespace's actor, and with it every push of the namespace).
    // (Named after every damaged key: reading it touches no damaged block.)
    const q = await push(node, { to: { users: ['zzz-intact'], rooms: ['zzz-intact'] }, data: 'fine' });
    assert.equal(q.status, 200, q.text.slice(0, 300));
    assert.equal((await api(node, 'GET', '/healthz', { auth: null })).status, 200);
    assert.match(node.log(), /damaged|Corruption/);
  } finally {
    await node.stop();
  }
});

// A small tmpfs as data_dir, filled by the test: needs root (CI runs as root).
function mountTmpfs(t) {
  const mnt = freshDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    t.skip(`cannot mount a tmpfs: ${e.message}`);
    return null;
  }
  return mnt;
}
// Fills the file system of `dir` but for `leave` bytes.
function fill(dir, leave) {
  const s = statfsSync(dir);
  const size = s.bavail * s.bsize - leave;
  if (size > 0) execFileSync('fallocate', ['-l', String(size), join(dir, `filler-${Date.now()}`)]);
}
const unfill = (dir) => { for (const f of readdirSync(dir).filter((f) => f.startsWith('filler-'))) rmSync(join(dir, f)); };

test('a full disk answers 503 store_unavailable, keeps reads and live pushes, and recovers', async (t) => {
  const mnt = mountTmpfs(t);
  if (!mnt) return;
  let node;
  try {
    fill(mnt, 6 << 20);
    node = await startNode({ dataDir: mnt });
    const ids = await stored(node, 'full', 10);
    const listener = await Client.open(node, { user: 'live' });
    // Big durable pushes until the disk refuses one (6 MB / 60 KB: ~100).
    let refused;
    for (let i = 0; i < 400 && !refused; i++) {
      const r = await push(node, { to: { users: ['full'] }, data: 'x'.repeat(60000) });
      if (r.status === 200) ids.push(r.json.id);
      else refused = r;
    }
    assert.ok(refused, 'a push was refused');
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.json.error.code, 'store_unavailable');
    // Refusing is a state, not one failure: the next durable push is refused too.
    const again = await push(node, { to: { users: ['full'] }, data: 'small' });
    assert.equal(again.status, 503, again.text);
    // Reads and live-only pushes go on.
    const receipt = await api(node, 'GET', `/v1/messages/${ids[0]}`);
    assert.equal(receipt.status, 200, receipt.text);
    const live = await push(node, { to: { users: ['live'] }, data: 'live', ttl: 0 });
    assert.equal(live.status, 200, live.text);
    assert.equal((await listener.message()).data, 'live');
    const m = (await api(node, 'GET', '/metrics', { auth: null })).text;
    assert.match(m, /^herald_store_writable 0$/m);
    assert.match(m, /^herald_store_write_errors_total [1-9]/m);
    assert.match(node.log(), /refusing writes/);

    // Space returns: writes resume by themselves.
    unfill(mnt);
    await until(async () => (await push(node, { to: { users: ['full'] }, data: 'back' })).status === 200,
      { timeout: 30000, every: 500, what: 'writes to resume' });
    assert.match(node.log(), /writes resumed/);
    ids.push(...await stored(node, 'full', 3));
    await listener.close();

    // Full again, then a restart: the node waits for space instead of
    // crashing, and then serves everything it answered 200 for.
    fill(mnt, 0);
    await node.stop();
    fill(mnt, 0); // what the stop freed
    node = await startNode({ dataDir: mnt, ready: false });
    await until(() => /waiting for the store/.test(node.log()), { timeout: 15000, what: 'the node to wait for space' });
    assert.equal(node.proc.exitCode, null, node.log());
    unfill(mnt);
    await node.ready(45000);
    const got = await backlog(node, 'full', 'dev', (m) => ids.every((id) => m.some((x) => x.id === id)));
    assert.equal(new Set(got).size, got.length, 'no duplicates');
  } finally {
    if (node) await node.stop();
    try { execFileSync('umount', ['-l', mnt]); } catch {}
  }
});
