// A round-robin proxy on 127.0.0.1 for tests: each HTTP request, and each
// WebSocket upgrade, goes to the next of `targets` (ports), with no
// stickiness at all: what a load balancer without sticky sessions does.
import { createServer, request } from 'node:http';
import { connect } from 'node:net';

export async function startRoundRobin(targets) {
  let next = 0;
  const p = { hits: targets.map(() => 0), upgrades: targets.map(() => 0) };
  const pick = () => { const i = next++ % targets.length; return i; };
  const server = createServer((req, res) => {
    const i = pick();
    p.hits[i]++;
    const up = request({ host: '127.0.0.1', port: targets[i], method: req.method, path: req.url, headers: req.headers, agent: false },
      (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  const sockets = new Set();
  server.on('upgrade', (req, sock, head) => {
    const i = pick();
    p.upgrades[i]++;
    const up = connect(targets[i], '127.0.0.1', () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let k = 0; k < req.rawHeaders.length; k += 2) raw += `${req.rawHeaders[k]}: ${req.rawHeaders[k + 1]}\r\n`;
      up.write(raw + '\r\n');
      if (head.length) up.write(head);
      sock.pipe(up).pipe(sock);
    });
    sockets.add(sock); sockets.add(up);
    const end = () => { sock.destroy(); up.destroy(); };
    sock.on('error', end); up.on('error', end); sock.on('close', end); up.on('close', end);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  p.port = server.address().port;
  p.base = `http://127.0.0.1:${p.port}`;
  // Drops every connection it carries (a network failure); it keeps listening.
  p.cut = () => { for (const s of sockets) s.destroy(); sockets.clear(); };
  p.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((ok) => server.close(ok));
  };
  return p;
}
