// Summarizes herald-bench results (JSON lines from scripts/bench/run.sh):
// per scenario and server, the median of the runs with min-max beside it,
// and the ratio herald / peer of each scenario's key figure. Markdown.
//   node summarize.mjs results.jsonl
//   node summarize.mjs --merge-idle RUN part.json...   (one line for several bench processes)
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);

if (args[0] === '--merge-idle') {
  // Several bench processes, one per node: add their connections and memory.
  const run = Number(args[1]);
  const parts = args.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8').trim().split('\n').pop()));
  const sum = (k) => parts.reduce((a, p) => a + p[k], 0);
  const ready = sum('ready');
  const grown = parts.reduce((a, p) => a + Math.max(0, p.server_rss_connected - p.server_rss_before), 0);
  const connectS = Math.max(...parts.map((p) => p.connect_s));
  console.log(JSON.stringify({
    scenario: `idle-cluster-${parts.length}-nodes`, run, server: 'herald', mode: 'idle',
    conns: sum('conns'), ready, failed: sum('failed'), connect_s: connectS,
    connect_rate: Math.round(ready / connectS), server_rss_connected: sum('server_rss_connected'),
    rss_per_conn: Math.round(grown / Math.max(ready, 1)),
  }));
  process.exit(0);
}

const rows = readFileSync(args[0], 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

// The figures shown per scenario family; the first is the key one, and
// `better` says which way is good.
const families = [
  { match: /^idle/, figures: [['rss_per_conn', 'server RSS / conn (B)', 'lower'], ['ready', 'connected'], ['connect_rate', 'connects/s']] },
  { match: /fanout/, figures: [['lat_p99_us', 'p99 latency (µs)', 'lower'], ['lat_p50_us', 'p50 (µs)'], ['lat_p999_us', 'p99.9 (µs)'], ['lat_max_us', 'max (µs)'], ['publish_rate', 'publishes/s'], ['deliveries_per_s', 'deliveries/s'], ['lost', 'lost'], ['duplicates', 'dups']] },
  { match: /saturation$/, figures: [['deliveries_per_s', 'deliveries/s', 'higher'], ['published', 'published'], ['lat_p99_us', 'p99 latency (µs)'], ['lost', 'lost'], ['duplicates', 'dups']] },
  { match: /^p2p/, figures: [['publish_rate', 'pushes/s', 'higher'], ['api_p99_us', 'API p99 (µs)'], ['deliveries_per_s', 'deliveries/s'], ['lat_p99_us', 'p99 latency (µs)'], ['lost', 'lost'], ['duplicates', 'dups']] },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 100) / 100));

const scenarios = [...new Set(rows.map((r) => r.scenario))];
for (const sc of scenarios) {
  const fam = families.find((f) => f.match.test(sc));
  if (!fam) continue;
  const servers = [...new Set(rows.filter((r) => r.scenario === sc).map((r) => r.server))];
  console.log(`\n### ${sc}\n`);
  console.log(`| server | runs | ${fam.figures.map((f) => f[1]).join(' | ')} |`);
  console.log(`|---|---|${fam.figures.map(() => '---').join('|')}|`);
  const key = {};
  for (const srv of servers) {
    const rs = rows.filter((r) => r.scenario === sc && r.server === srv);
    const cells = fam.figures.map(([k]) => {
      const xs = rs.map((r) => r[k]).filter((x) => typeof x === 'number');
      if (!xs.length) return '-';
      const m = median(xs);
      return rs.length > 1 ? `${fmt(m)} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : fmt(m);
    });
    key[srv] = median(rs.map((r) => r[fam.figures[0][0]]));
    console.log(`| ${srv} | ${rs.length} | ${cells.join(' | ')} |`);
  }
  const [k, label, better] = fam.figures[0];
  for (const srv of servers.filter((s) => s !== 'herald' && key.herald !== undefined)) {
    const r = key.herald / key[srv];
    console.log(`\nherald / ${srv}, ${label}: ${fmt(r)} (${better} is better)`);
  }
}
