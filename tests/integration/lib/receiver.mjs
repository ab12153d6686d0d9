// A business system's webhook endpoint for tests: a real Node HTTP server
// on 127.0.0.1 that checks every POST's X-Herald-Signature against
// `secret`, records the events of each signed batch, and answers what
// `behave(body)` says: a status, or 'hang' (never answers).
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';

// tls: { cert, key } (PEM paths) makes it an https server.
export async function startReceiver(secret, { tls } = {}) {
  const r = {
    posts: [],        // every POST: { signed, events, status }
    behave: () => 200,
    hung: [],
    // Events of signed batches answered 2xx, deduplicated by id, in order.
    events() {
      const seen = new Set();
      const out = [];
      for (const p of this.posts)
        if (p.signed && p.status >= 200 && p.status < 300)
          for (const e of p.events) if (!seen.has(e.id)) { seen.add(e.id); out.push(e); }
      return out;
    },
    of(type, pred = () => true) { return this.events().filter((e) => e.type === type && pred(e)); },
    unsigned() { return this.posts.filter((p) => !p.signed).length; },
  };
  const handler = (req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const want = 'sha256=' + createHmac('sha256', secret).update(raw).digest('hex');
      let events = [];
      try { events = JSON.parse(raw).events; } catch {}
      const post = { signed: req.headers['x-herald-signature'] === want, events, status: 0 };
      r.posts.push(post);
      const status = r.behave(post);
      if (status === 'hang') { r.hung.push(res); return; }
      post.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  };
  r.server = tls ? createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler) : createServer(handler);
  await new Promise((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.port = r.server.address().port;
  r.url = (path = '/hooks', host = '127.0.0.1') => `${tls ? 'https' : 'http'}://${host}:${r.port}${path}`;
  r.close = async () => {
    for (const res of r.hung) res.destroy();
    r.server.closeAllConnections();
    await new Promise((ok) => r.server.close(ok));
  };
  return r;
}
