// A webhook receiver for benchmarks: answers every POST 200 (mode "ok") or
// never (mode "hang"), counts events, and prints the count on SIGTERM.
// Usage: node hook-receiver.mjs PORT ok|hang
import { createServer } from 'node:http';
const [port, mode] = [Number(process.argv[2]), process.argv[3] || 'ok'];
let events = 0;
const held = [];
const srv = createServer((req, res) => {
  let n = 0;
  req.on('data', (d) => { n += d.length; });
  req.on('end', () => {
    if (mode === 'hang') { held.push(res); return; }
    events += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
srv.listen(port, '127.0.0.1');
process.on('SIGTERM', () => { console.log(`posts=${events}`); for (const r of held) r.destroy(); process.exit(0); });
