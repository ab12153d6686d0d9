// The benchmark tools end to end (docs/benchmarks.md): herald-bench's room
// fan-out against a herald node, and against fanout-floor (the one-send-per-
// member reference) in nchan's dialect. Small and short: they check that
// the tools count right, not how fast anything is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startNode, freePort, until, sleep, metric, BIN } from './lib/herald.mjs';

const BENCH = join(dirname(BIN), 'herald-bench');
const FLOOR = join(dirname(BIN), 'fanout-floor');

function runBench(args, rate = '20', conns = 300, duration = '1') {
  const r = spawnSync(BENCH, ['--mode', 'room', '--rooms', '1', '--conns', String(conns), '--rate', rate, '--duration', duration,
    '--drain', '5', '--publishers', '2', ...args], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr.slice(-500));
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

function assertCounted(res, conns = 300) {
  assert.equal(res.ready, conns);
  assert.ok(res.published >= 10, `published ${res.published}`);
  assert.equal(res.rejected, 0);
  assert.equal(res.expected, res.published * conns);
  assert.equal(res.delivered, res.expected);
  assert.equal(res.lost, 0);
  assert.equal(res.duplicates, 0);
  assert.ok(res.lat_p50_us > 0 && res.lat_p99_us >= res.lat_p50_us && res.lat_max_us >= res.lat_p99_us);
}

// With two Asio threads sessions sit on strands and a fan-out wakes their
// writers through them; with one, inline. 4,200 members at 5/s on two
// threads: each fan-out's writes are shared out over both threads (the
// loop is quiet between publishes and the room is over 2 x 2,048:
// ws_session::wake_all); at rate 0 fan-outs come back to back, each is
// written by one task, and (300 members >= 256) waits node.write_delay
// first unless that is 0: the metric tells which path the writes took
// (at 20/s it depends on timing: a burst of publishes makes the node busy).
// Where the node may lower a thread's priority and raise it back (CAP_SYS_NICE
// or RLIMIT_NICE 20: it inherits ours), big fan-outs' delayed writes run
// below the API and publishes wait for their backlog (net/backlog_gate.hpp):
// at rate 0 the two publishers outrun the writes and are held.
function canRestorePriority() {
  const caps = BigInt('0x' + readFileSync('/proc/self/status', 'utf8').match(/CapEff:\s+([0-9a-f]+)/)[1]);
  const nice = readFileSync('/proc/self/limits', 'utf8').match(/Max nice priority\s+(\S+)/)[1];
  return (caps & (1n << 23n)) !== 0n || nice === 'unlimited' || Number(nice) >= 20;
}
const gated = canRestorePriority();

const cases = [
  { io: 1, rate: '20', conns: 300, secs: '1' },
  { io: 2, rate: '20', conns: 300, secs: '1' },
  { io: 2, rate: '5', conns: 4200, secs: '3' },
  { io: 2, rate: '0', conns: 300, secs: '1', delayed: true },
  { io: 1, rate: '0', conns: 300, secs: '1', delayed: true },
  { io: 2, rate: '0', conns: 300, secs: '1', delay: 0 },
  { io: 1, rate: '20', conns: 300, secs: '1', workers: 2 },  // actors on CAF's own threads
];
for (const { io, rate, conns, secs, delayed = false, delay, workers } of cases) {
  const label = `io_threads ${io}, rate ${rate}, ${conns} members${delay === undefined ? '' : `, write_delay ${delay}`}` +
    `${workers === undefined ? '' : `, workers ${workers}`}`;
  test(`herald-bench counts every delivery of a room fan-out on herald (${label})`, async () => {
    const args = [`--node.io_threads=${io}`];
    if (delay !== undefined) args.push(`--node.write_delay=${delay}`);
    if (workers !== undefined) args.push(`--node.workers=${workers}`);
    const node = await startNode({ args });
    try {
      assertCounted(runBench(['--server', 'herald', '--port', String(node.port), '--ns', 'demo', '--secret', 'demo-secret'],
        rate, conns, secs), conns);
      const n = await metric(node, /^herald_fanout_writes_delayed_total (\d+)/m);
      if (delayed) assert.ok(n > 0, 'no fan-out took the delayed path');
      const held = await metric(node, /^herald_api_requests_held_total (\d+)/m);
      if (delayed && gated) assert.ok(held > 0, 'no publish waited for the delivery backlog');
      if (!gated) assert.equal(held, 0);
      if (delay === 0) assert.equal(n, 0);
    } finally { await node.stop(); }
  });
}

async function startFloor(extra = []) {
  const port = await freePort();
  const proc = spawn(FLOOR, ['--port', String(port), '--seconds', '60', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  // 'close', not 'exit': the summary line is its last stderr output, and
  // 'exit' may come before that last chunk is read (a clean-clone CI run
  // found the log without it).
  const exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  await until(() => log.includes('listening'), { timeout: 5000, what: 'fanout-floor listening' });
  return { port, proc, exited, log: () => log };
}

// --uring exists when the build found liburing-dev (scripts/bench/fanout-cpu.sh
// installs it); without it the flag is refused and that case is skipped.
const uring = spawnSync(FLOOR, ['--uring', '--seconds', '0', '--port', '0'], { encoding: 'utf8' });
for (const extra of [[], ['--uring']]) {
  const skip = extra.length > 0 && uring.status !== 0 ? 'built without liburing-dev' : false;
  test(`fanout-floor ${extra.join(' ') || '(send)'} delivers every publish to every subscriber, driven as nchan`, { skip }, async () => {
  const floor = await startFloor(extra);
  try {
    const res = runBench(['--server', 'nchan', '--port', String(floor.port)]);
    assertCounted(res);
    floor.proc.kill('SIGTERM');
    assert.deepEqual(await floor.exited, { code: 0, signal: null });
    const m = floor.log().match(/(\d+) publishes, (\d+) deliveries/);
    assert.ok(m, floor.log());
    assert.equal(Number(m[1]), res.published);
    assert.equal(Number(m[2]), res.delivered);
  } finally { floor.proc.kill('SIGKILL'); }
  });
}

function rawRequest(port, text) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer to ${text.split('\r\n')[0]}`)); }, 5000);
    s.on('data', (d) => { got += d; });
    s.on('end', () => { clearTimeout(timer); resolve(got); });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.write(text);
  });
}

test('fanout-floor refuses what it does not serve, then closes', async () => {
  const floor = await startFloor();
  try {
    assert.match(await rawRequest(floor.port, 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 404 /);
    assert.match(await rawRequest(floor.port, 'GET /sub/a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n'),
      /^HTTP\/1\.1 400 /);
    assert.match(await rawRequest(floor.port, 'nonsense\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await rawRequest(floor.port, 'POST /pub/a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n'),
      /^HTTP\/1\.1 413 /);
  } finally {
    floor.proc.kill('SIGTERM');
    await Promise.race([floor.exited, sleep(5000)]);
    floor.proc.kill('SIGKILL');
  }
});
