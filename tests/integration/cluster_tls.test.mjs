// Mutual TLS between nodes ([cluster] tls_cert, tls_key, tls_ca): three
// nodes with certificates of one CA form a cluster and route a push; a
// fourth with a certificate of another CA, and a fifth with none, are
// refused at the handshake: no member ever lists them, and a push they
// accept reaches no session of the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, freePort, api, until, Client, metric, refusedStart, takenPort } from './lib/herald.mjs';
import { makeCA, makeCert } from './lib/pki.mjs';
import { userHomedOn } from './lib/ring.mjs';

const names = async (node) => {
  const r = await api(node, 'GET', '/v1/cluster');
  return r.status === 200 ? r.json.nodes.map((n) => n.name).sort().join(',') : `status ${r.status}`;
};
const tlsArgs = (ca, leaf) => [`--cluster.tls_cert=${leaf.cert}`, `--cluster.tls_key=${leaf.key}`, `--cluster.tls_ca=${ca.cert}`];
const failedDials = (node) => metric(node, /^herald_cluster_dials_total\{result="failed"\} (\d+)/m);

test('a cluster over mutual TLS routes; nodes without a certificate of its CA cannot join or deliver', async () => {
  const ca = makeCA('cluster CA');
  const rogueCA = makeCA('rogue CA');
  const [pa, pb, pc, pd, pe] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const started = [];
  const start = async (o) => { const n = await startNode(o); started.push(n); return n; };
  try {
    const a = await start({ name: 'a', cluster: { port: pa }, args: tlsArgs(ca, makeCert(ca, 'a')) });
    const b = await start({ name: 'b', cluster: { port: pb, seeds: [pa] }, args: tlsArgs(ca, makeCert(ca, 'b')) });
    const c = await start({ name: 'c', cluster: { port: pc, seeds: [pb] }, args: tlsArgs(ca, makeCert(ca, 'c')) });
    for (const n of [a, b, c])
      await until(async () => (await names(n)) === 'a,b,c', { timeout: 15000, what: `${n.name} to see a,b,c` });

    // A user homed on c, connected to a, pushed through b: two TLS links.
    const user = userHomedOn(['a', 'b', 'c'], 'c', 'tlsuser');
    const client = await Client.open(a, { user });
    const r = await api(b, 'POST', '/v1/push', { body: { to: { users: [user] }, data: 'over tls' } });
    assert.equal(r.status, 200);
    assert.equal((await client.message()).data, 'over tls');

    // d: a certificate of another CA (and it trusts that CA); e: no TLS at all.
    const d = await start({ name: 'd', cluster: { port: pd, seeds: [pa, pb] }, args: tlsArgs(rogueCA, makeCert(rogueCA, 'd')) });
    const e = await start({ name: 'e', cluster: { port: pe, seeds: [pa, pc] } });
    // Both have tried, and failed, more than once.
    for (const n of [d, e])
      await until(async () => (await failedDials(n)) >= 3, { timeout: 20000, what: `${n.name} to fail its dials` });
    for (const n of [a, b, c]) assert.equal(await names(n), 'a,b,c', `${n.name} never lists d or e`);
    assert.equal(await names(d), 'd');
    assert.equal(await names(e), 'e');

    // What d and e accept stays with them: alone, each owns every user.
    for (const rogue of [d, e]) {
      const p = await api(rogue, 'POST', '/v1/push', { body: { to: { users: [user] }, data: `from ${rogue.name}` } });
      assert.equal(p.status, 200);
      assert.equal(p.json.sessions, 0);
    }
    const marker = await api(b, 'POST', '/v1/push', { body: { to: { users: [user] }, data: 'marker' } });
    assert.equal(marker.status, 200);
    assert.equal((await client.message()).data, 'marker');
    await client.quiet();
    assert.deepEqual(client.messages().map((m) => m.data), [], 'nothing from d or e arrived');
    await client.close();
  } finally {
    for (const n of started.reverse()) await n.stop();
  }
});

test('cluster TLS settings go together; unreadable files or a taken port stop the node', async () => {
  const half = await startNode({ name: 'h', args: ['--cluster.tls_cert=/tmp/x.crt'], ready: false });
  assert.notEqual((await half.exited).code, 0);
  assert.match(half.log(), /tls_cert, tls_key and tls_ca go together/);
  await half.stop();
  const port = await freePort();
  const missing = await startNode({ name: 'm', cluster: { port }, ready: false,
    args: ['--cluster.tls_cert=/nonexistent.crt', '--cluster.tls_key=/nonexistent.key', '--cluster.tls_ca=/nonexistent.ca'] });
  assert.notEqual((await missing.exited).code, 0);
  assert.match(missing.log(), /cannot read \/nonexistent.crt/);
  await missing.stop();
  // The tunnel cannot take cluster_listen: exit 1 with the reason (it hung
  // with its cluster actors alive before).
  const taken = await takenPort();
  const ca = makeCA('busy CA');
  try {
    const r = await refusedStart({ name: 't', cluster: { port: taken.port }, args: tlsArgs(ca, makeCert(ca, 't')) }, { within: 10000 });
    assert.equal(r.code, 1, r.log);
    assert.match(r.log, new RegExp(`cannot listen for the cluster on port ${taken.port}`));
  } finally {
    taken.close();
  }
});
