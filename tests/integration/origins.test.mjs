// node.ws_origins: a browser page from an origin not listed cannot open a
// WebSocket (403 forbidden before the upgrade); clients without an Origin
// header (not browsers) and listed origins can. Default: any origin.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, Client, refusal, tokenFor } from './lib/herald.mjs';

const nodes = [];
after(async () => { for (const n of nodes) await n.stop(); });

test('only listed origins may open a WebSocket, compared without case', async () => {
  const node = await startNode({ args: ['--node.ws_origins=https://app.example.com, http://localhost:3000'] });
  nodes.push(node);
  const q = `/v1/ws?ns=demo&token=${tokenFor('u1')}`;
  const r = await refusal(node, q, { origin: 'https://evil.example.net' });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'forbidden');
  assert.match(r.body.error.message, /evil\.example\.net/);
  // A suffix or a different port or scheme is another origin.
  for (const o of ['https://app.example.com.evil.net', 'http://app.example.com', 'http://localhost:3001'])
    assert.equal((await refusal(node, q, { origin: o })).status, 403, o);
  const ok = await Client.open(node, { user: 'u1', headers: { origin: 'HTTPS://App.Example.com' } });
  assert.equal(ok.welcome.user, 'u1');
  await ok.close();
  const local = await Client.open(node, { user: 'u2', headers: { origin: 'http://localhost:3000' } });
  await local.close();
  // No Origin header: not a browser, nothing to protect against.
  const bare = await Client.open(node, { user: 'u3' });
  await bare.close();
  const m = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  assert.match(m, /herald_connections_refused_total\{reason="bad_origin"\} 4/);
});

test('without ws_origins any origin may connect, and bad values are refused at start', async () => {
  const node = await startNode();
  nodes.push(node);
  const c = await Client.open(node, { user: 'u1', headers: { origin: 'https://anywhere.example' } });
  await c.close();
  for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://x']) {
    const n = await startNode({ args: [`--node.ws_origins=${bad}`], ready: false });
    const r = await n.exited;
    assert.notEqual(r.code, 0, bad);
    assert.match(n.log(), /node\.ws_origins/, bad);
  }
});
