// Test harness: starts real herald processes on 127.0.0.1 and speaks real
// WebSocket (ws) and HTTP (fetch) to them. Every wait is bounded; every
// process started is stopped by pid when the test ends.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export const BIN = process.env.HERALD_BIN || new URL('../../../build/apps/herald', import.meta.url).pathname;

const live = new Set();
process.on('exit', () => { for (const p of live) try { p.kill('SIGKILL'); } catch {} });

// A port for a node to listen on. Not from the kernel's ephemeral range
// (port 0): between this check and the node's bind, an outgoing connection
// of any process (ctest runs two tests at once, some with thousands of
// clients) may take such a port, and the node then cannot listen. Below
// that range only listeners bind, and a claim file per port keeps two
// test processes from handing out the same one.
const claims = join(tmpdir(), 'herald-it-ports');
mkdirSync(claims, { recursive: true });
const claimed = new Set();
process.on('exit', () => { for (const p of claimed) try { rmSync(join(claims, String(p))); } catch {} });
const ephemeralStart = (() => {
  try { return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]); } catch { return 32768; }
})();
const canListen = (port) => new Promise((resolve) => {
  const s = createServer();
  s.once('error', () => resolve(false));
  s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
});
function claim(port) {
  const f = join(claims, String(port));
  try {
    writeFileSync(f, String(process.pid), { flag: 'wx' });
  } catch {
    // Claimed by another run: taken over only when that run is gone.
    try { process.kill(Number(readFileSync(f, 'utf8')), 0); return false; } catch (e) { if (e.code !== 'ESRCH') return false; }
    writeFileSync(f, String(process.pid));
  }
  claimed.add(port);
  return true;
}

export async function freePort() {
  const low = Math.max(1024, ephemeralStart - 12000), span = ephemeralStart - low;
  for (let i = 0; i < 500; i++) {
    const port = low + Math.floor(Math.random() * span);
    if (claimed.has(port) || !claim(port)) continue;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${low}-${ephemeralStart - 1}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A port this process listens on, for a node that must find it taken;
// close() frees it.
export async function takenPort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { port: s.address().port, close: () => s.close() };
}

// Polls fn until it returns a truthy value or the deadline passes.
export async function until(fn, { timeout = 5000, every = 25, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}

const DEFAULT_NS = `
[namespace.demo]
secret = demo-secret
client_publish = true
[namespace.quiet]
secret = quiet-secret
client_publish = false
`;

// Starts a node. `extra` is appended to the config file; `args` are
// --section.key=value overrides.
// cluster: { port, seeds: [ports] } makes it a cluster member on 127.0.0.1.
// ready: false returns at once (node.ready() waits for /healthz).
export async function startNode({ extra = '', args = [], dataDir, name = 'n1', keepData = false, cluster, port: fixedPort, ready = true } = {}) {
  const port = fixedPort ?? await freePort();
  if (cluster) {
    args = [...args, `--node.cluster_listen=127.0.0.1:${cluster.port}`,
      `--cluster.seeds=${(cluster.seeds || []).map((p) => `127.0.0.1:${p}`).join(',')}`];
  }
  const dir = dataDir || mkdtempSync(join(tmpdir(), 'herald-it-'));
  const cfg = join(dir, 'herald.ini');
  writeFileSync(cfg, `[node]\nname = ${name}\nlisten = 127.0.0.1:${port}\ndata_dir = ${join(dir, 'data')}\nlog_level = ${process.env.HERALD_LOG_LEVEL || 'warn'}\n[admin]\ntoken = admin-token\n${DEFAULT_NS}\n${extra}\n`);
  const proc = spawn(BIN, ['--config', cfg, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => { live.delete(proc); resolve({ code, signal }); }));
  const node = {
    port, dir, cfg, proc, pid: proc.pid, exited, base: `http://127.0.0.1:${port}`, name,
    log: () => log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const r = await Promise.race([exited, sleep(8000).then(() => null)]);
      if (!r) { proc.kill('SIGKILL'); await exited; }
      // HERALD_LOG_DIR=dir keeps each node's log there (to read after a failure).
      if (process.env.HERALD_LOG_DIR) writeFileSync(join(process.env.HERALD_LOG_DIR, `${name}-${proc.pid}.log`), log);
      if (!keepData && !dataDir) rmSync(dir, { recursive: true, force: true });
      return r;
    },
    rssKb() {
      const m = readFileSync(`/proc/${proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
      return Number(m[1]);
    },
  };
  node.ready = async (timeout = 10000) => {
    let last = 'no answer yet';  // what the last /healthz gave: says where a slow start stood
    try {
      await until(async () => {
        if (proc.exitCode !== null) throw new Error(`herald exited early (${proc.exitCode}): ${log}`);
        try {
          const r = await fetch(`${node.base}/healthz`, { signal: AbortSignal.timeout(2000) });
          last = `status ${r.status}`;
          return r.ok;
        } catch (e) { last = e.cause?.code || e.name || String(e); return false; }
      }, { timeout, what: 'herald /healthz' });
    } catch (e) {
      const early = proc.exitCode !== null;  // its error already carries the log
      proc.kill('SIGKILL');
      if (early) throw e;
      throw new Error(`${e.message} (node ${name}, pid ${proc.pid}, last /healthz: ${last}; its log: ${log.slice(-2000) || 'empty'})`);
    }
    return node;
  };
  return ready ? node.ready() : node;
}

// Starts a node that must refuse to start: resolves with its exit code and
// log once it exits. One still running `within` ms later is stopped and
// fails the test (`what` says what that means).
export async function refusedStart(options, { within = 15000, what = 'herald kept running' } = {}) {
  const node = await startNode({ ...options, ready: false });
  const r = await Promise.race([node.exited, sleep(within).then(() => null)]);
  await node.stop();
  if (!r) throw new Error(`${what}: still running ${within} ms after its start\n${node.log()}`);
  return { code: r.code, log: node.log() };
}

// /v1/cluster lists a member before its namespace actors are announced,
// and until they are a node serves that member's keys itself
// (cluster_directory::home). Waits until every node reaches namespace `ns`
// on all of `names` (GET /v1/stats?nodes=1 asks each node's actor).
export async function namespacesAnnounced(nodes, names, { ns = 'demo', timeout = 10000 } = {}) {
  const want = [...names].sort().join(',');
  for (const n of nodes)
    await until(async () => {
      const r = await api(n, 'GET', '/v1/stats?nodes=1', { auth: ns });
      return r.status === 200 && r.json.nodes.map((x) => x.node).sort().join(',') === want;
    }, { timeout, what: `${n.name} to reach ${ns} on ${want}` });
}

// A cluster of nodes named `names` on 127.0.0.1 (each seeded with the
// first), returned once every node sees all of them and their namespace
// actors.
export async function startCluster(names, { extra = '', args = [] } = {}) {
  const ports = [];
  for (const _ of names) ports.push(await freePort());
  const nodes = [];
  for (let i = 0; i < names.length; i++)
    nodes.push(await startNode({ name: names[i], cluster: { port: ports[i], seeds: i ? [ports[0]] : [] }, extra, args }));
  try {
    for (const n of nodes)
      await until(async () => {
        const r = await fetch(`${n.base}/v1/cluster`, { headers: { authorization: 'Bearer admin-token' } });
        return r.ok && (await r.json()).nodes.length === names.length;
      }, { timeout: 10000, what: `${n.name} to see ${names.length} nodes` });
    await namespacesAnnounced(nodes, names);
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
  return nodes;
}

const b64url = (s) => Buffer.from(s).toString('base64url');
// A HS256 JWT, minted independently of herald's own code.
export function jwt(secret, claims) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}
export const SECRETS = { demo: 'demo-secret', quiet: 'quiet-secret' };
export const tokenFor = (user, ns = 'demo', secret = SECRETS[ns]) => jwt(secret, { sub: user });

export function herald(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8' });
}

// HTTP call. auth: 'ns' name (Basic with its secret), {basic:'ns:secret'}, {bearer}, or null.
export async function api(node, method, path, { body, auth = 'demo', raw, headers = {}, timeout = 10000 } = {}) {
  const h = { ...headers };
  if (typeof auth === 'string') h.authorization = 'Basic ' + Buffer.from(`${auth}:${SECRETS[auth]}`).toString('base64');
  else if (auth?.basic) h.authorization = 'Basic ' + Buffer.from(auth.basic).toString('base64');
  else if (auth?.bearer) h.authorization = `Bearer ${auth.bearer}`;
  const res = await fetch(node.base + path, {
    method, headers: h, body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeout),
  }).catch((e) => {
    throw new Error(`${method} ${path} on ${node.name ?? node.base}: ${e.message}`);
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers };
}

export const push = (node, body, auth = 'demo') => api(node, 'POST', '/v1/push', { body, auth });

// The number the regex's first group finds in /metrics (0 when absent).
export async function metric(node, re) {
  const m = (await api(node, 'GET', '/metrics', { auth: null })).text.match(re);
  return m ? Number(m[1]) : 0;
}
export const passivated = (node, kind) => metric(node, new RegExp(`^herald_actors_passivated_total\\{kind="${kind}"\\} (\\d+)`, 'm'));

// A WebSocket client that records every frame and lets tests wait for them.
export class Client {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiters = [];
    this.nextId = 1;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data, isBinary) => {
      const f = JSON.parse(data.toString());
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => !w(f));
    });
    ws.on('error', () => {});
  }
  static async open(node, { ns = 'demo', user = 'u1', client, token, query, headers } = {}) {
    const tok = token ?? tokenFor(user, ns);
    let q = query ?? `ns=${encodeURIComponent(ns)}&token=${encodeURIComponent(tok)}`;
    if (client !== undefined) q += `&client=${encodeURIComponent(client)}`;
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}/v1/ws?${q}`, { headers, maxPayload: 64 << 20 });
    const c = new Client(ws);
    c.welcome = await c.next((f) => f.type === 'welcome', 5000);
    return c;
  }
  // Resolves with the first frame (already received or coming) matching pred.
  next(pred, timeout = 5000) {
    const seen = this.frames.find(pred);
    if (seen) { this.frames.splice(this.frames.indexOf(seen), 1); return Promise.resolve(seen); }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.waiters = this.waiters.filter((w) => w !== waiter); reject(new Error(`no matching frame within ${timeout} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`)); }, timeout);
      const waiter = (f) => { if (!pred(f)) return false; clearTimeout(t); this.frames.splice(this.frames.indexOf(f), 1); resolve(f); return true; };
      this.waiters.push(waiter);
    });
  }
  message(pred = () => true, timeout) { return this.next((f) => f.type === 'message' && pred(f), timeout); }
  messages() { return this.frames.filter((f) => f.type === 'message'); }
  send(frame) { this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)); }
  async request(frame, timeout = 5000) {
    const id = this.nextId++;
    this.send({ ...frame, id });
    return this.next((f) => f.type === 'reply' && f.id === id, timeout);
  }
  join(...rooms) { return this.request({ type: 'join', rooms }); }
  close() { this.ws.close(); return this.closed; }
  // Asserts nothing matching arrives: waits for a later marker frame instead
  // of sleeping (a ping round trip through the same session).
  async quiet() { this.send({ type: 'ping' }); await this.next((f) => f.type === 'pong'); }
}

// Resolves with the HTTP status the server refuses an upgrade with.
export function refusal(node, query, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}${query}`, { headers });
    const t = setTimeout(() => reject(new Error('no answer to upgrade')), 5000);
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { clearTimeout(t); resolve({ status: res.statusCode, body: JSON.parse(body) }); });
    });
    ws.on('open', () => { clearTimeout(t); ws.close(); reject(new Error('upgrade was accepted')); });
    ws.on('error', () => {});
  });
}
