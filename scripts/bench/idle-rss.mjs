// Server RSS per idle WebSocket connection: N connections (distinct users,
// each with a device id) to one node on 127.0.0.1, measured from /proc.
// Usage: (cd tests/integration && npm ci) then
//   HERALD_BIN=build/apps/herald node scripts/bench/idle-rss.mjs 5000
import { startNode, tokenFor, until, sleep } from '../../tests/integration/lib/herald.mjs';
import WebSocket from '../../tests/integration/node_modules/ws/index.js';
const N = Number(process.argv[2] || 5000);
const node = await startNode({ args: ['--node.log_level=warn'] });
await sleep(500);
const base = node.rssKb();
const socks = [];
let welcomed = 0;
for (let i = 0; i < N; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${node.port}/v1/ws?ns=demo&token=${tokenFor('u' + i)}&client=d${i}`, { perMessageDeflate: false });
  ws.on('message', () => { welcomed++; });
  ws.on('error', (e) => {});
  socks.push(ws);
  if (i % 500 === 499) await until(() => welcomed >= i + 1, { timeout: 20000, what: 'welcomes' });
}
await until(() => welcomed >= N, { timeout: 30000, what: 'all welcomed' });
await sleep(1000);
const rss = node.rssKb();
console.log(`connections=${N} base_rss_kb=${base} rss_kb=${rss} per_conn_bytes=${Math.round((rss - base) * 1024 / N)}`);
for (const s of socks) s.terminate();
await node.stop();
