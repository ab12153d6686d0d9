// TLS on the client listener ([node] tls_cert, tls_key): HTTPS and WSS
// with a certificate of a CA made here, checked by clients that verify it
// (Node's https and fetch, ws); a client that does not trust the CA, and a
// plain-text client, get nowhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { execFile } from 'node:child_process';
import { WebSocket } from 'ws';
import { startNode, tokenFor, BIN } from './lib/herald.mjs';
import { makeCA, makeCert } from './lib/pki.mjs';

let node, ca;
before(async () => {
  ca = makeCA();
  const leaf = makeCert(ca, 'node1');
  node = await startNode({ args: [`--node.tls_cert=${leaf.cert}`, `--node.tls_key=${leaf.key}`], ready: false });
  // /healthz over TLS: startNode's own probe speaks plain HTTP.
  const t0 = Date.now();
  for (;;) {
    try { if ((await httpsCall('GET', '/healthz')).status === 200) break; } catch { /* not up yet */ }
    if (Date.now() - t0 > 10000) throw new Error(`no HTTPS /healthz: ${node.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
after(async () => { await node.stop(); });

function httpsCall(method, path, { body, auth = 'demo:demo-secret', trust = true } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: node.port, method, path, ca: trust ? ca.pem : undefined, servername: 'localhost',
      headers: { authorization: 'Basic ' + Buffer.from(auth).toString('base64'), 'content-type': 'application/json' },
    }, (res) => {
      const peer = { authorized: res.socket.authorized, cn: res.socket.getPeerCertificate().subject?.CN };
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text), peer }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function wss({ user = 'u1', trust = true } = {}) {
  const q = `ns=demo&token=${encodeURIComponent(tokenFor(user))}&client=tls-dev`;
  const ws = new WebSocket(`wss://localhost:${node.port}/v1/ws?${q}`, { ca: trust ? ca.pem : undefined });
  const frames = [];
  const waiters = [];
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString());
    const w = waiters.findIndex((x) => x.pred(f));
    if (w >= 0) waiters.splice(w, 1)[0].resolve(f); else frames.push(f);
  });
  const next = (pred, timeout = 5000) => {
    const i = frames.findIndex(pred);
    if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      waiters.push({ pred, resolve });
      setTimeout(() => reject(new Error('no frame')), timeout);
    });
  };
  const opened = new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  return { ws, next, opened, closed };
}

test('HTTPS: the API answers over a verified TLS connection', async () => {
  const r = await httpsCall('GET', '/v1/stats');
  assert.equal(r.status, 200);
  assert.ok(r.peer.authorized, 'the client verified the certificate');
  assert.equal(r.peer.cn, 'node1');
});

test('fetch verifies the node with the CA (NODE_EXTRA_CA_CERTS) and gets /healthz', async () => {
  const script = `const r = await fetch('https://127.0.0.1:${node.port}/healthz'); console.log(r.status, JSON.stringify(await r.json()));`;
  const out = await new Promise((resolve, reject) => execFile(process.execPath, ['--input-type=module', '-e', script],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.cert }, timeout: 10000 }, (e, so, se) => (e ? reject(new Error(se || e.message)) : resolve(so))));
  assert.match(out, /^200 .*"status":"ok"/);
});

test('WSS: welcome, a push and an ack over TLS; many frames in one go', async () => {
  const c = wss({ user: 'tina' });
  await c.opened;
  const w = await c.next((f) => f.type === 'welcome');
  assert.equal(w.user, 'tina');
  const big = 'x'.repeat(40000);  // more than two TLS records
  const ids = [];
  for (let i = 0; i < 50; i++) {
    const r = await httpsCall('POST', '/v1/push', { body: { to: { users: ['tina'] }, data: { i, big: i === 7 ? big : '' }, ttl: 60 } });
    assert.equal(r.status, 200);
    ids.push(r.json.id);
  }
  for (let i = 0; i < 50; i++) {
    const m = await c.next((f) => f.type === 'message' && f.data.i === i);
    if (i === 7) assert.equal(m.data.big.length, 40000);
  }
  c.ws.send(JSON.stringify({ type: 'ack', ids, id: 1 }));
  const rep = await c.next((f) => f.type === 'reply' && f.id === 1);
  assert.equal(rep.ok, true);
  const rec = await httpsCall('GET', `/v1/messages/${ids[0]}`);
  assert.equal(rec.json.acked, 1);
  c.ws.close(1000);
  assert.equal(await c.closed, 1000);
});

test('a client that does not trust the CA is refused by its own check', async () => {
  await assert.rejects(httpsCall('GET', '/healthz', { trust: false }), /self.signed|unable to verify|certificate/i);
  const c = wss({ trust: false });
  await assert.rejects(c.opened, /self.signed|unable to verify|certificate/i);
});

test('plain HTTP on the TLS port gets no answer, and the node goes on', async () => {
  const r = await fetch(`http://127.0.0.1:${node.port}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
    (x) => `status ${x.status}`, (e) => `failed: ${e.message}`);
  assert.match(r, /failed/);
  assert.equal((await httpsCall('GET', '/healthz')).status, 200);
});

test('a certificate that cannot be read stops the node with a clear message', async () => {
  const n = await startNode({ args: ['--node.tls_cert=/nonexistent.crt', '--node.tls_key=/nonexistent.key'], ready: false });
  const r = await n.exited;
  assert.notEqual(r.code, 0);
  assert.match(n.log(), /cannot read the TLS certificate \/nonexistent.crt/);
  await n.stop();
  const half = await startNode({ args: [`--node.tls_cert=${ca.cert}`], ready: false });
  assert.notEqual((await half.exited).code, 0);
  assert.match(half.log(), /tls_cert and node.tls_key go together/);
  await half.stop();
});
