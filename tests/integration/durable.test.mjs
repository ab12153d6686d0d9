// Durable delivery: offline backlog per device, acks, ttl, receipts, room
// history across restarts, and no loss on kill -9.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, Client, push, api, until, passivated } from './lib/herald.mjs';

const dirs = [];
const freshDir = () => { const d = mkdtempSync(join(tmpdir(), 'herald-durable-')); dirs.push(d); return d; };
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

// Reads n messages in arrival order.
async function take(c, n, timeout = 5000) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await c.message(() => true, timeout));
  return out;
}

test('offline backlog per device: same device, new device, no device, acks, ttl', async () => {
  const node = await startNode();
  try {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const r = await push(node, { to: { users: ['off'] }, data: i });
      assert.equal(r.json.sessions, 0);
      ids.push(r.json.id);
    }
    // ttl 0: live only, never stored.
    await push(node, { to: { users: ['off'] }, data: 'live-only', ttl: 0 });

    let phone = await Client.open(node, { user: 'off', client: 'phone' });
    assert.deepEqual((await take(phone, 3)).map((m) => m.id), ids);
    phone.send({ type: 'ack', ids: [ids[1], ids[0]] }); // out of order
    await phone.quiet();
    const bare = await Client.open(node, { user: 'off' }); // no device: live only
    const r4 = await push(node, { to: { users: ['off'] }, data: 3 });
    ids.push(r4.json.id);
    assert.equal((await phone.message()).id, r4.json.id);
    assert.equal((await bare.message()).id, r4.json.id);
    await phone.close(); await bare.close();

    phone = await Client.open(node, { user: 'off', client: 'phone' });
    assert.deepEqual((await take(phone, 2)).map((m) => m.id), [ids[2], ids[3]], 'acked ones are not sent again');
    const ack = await phone.request({ type: 'ack', ids: [ids[2], ids[3]] });
    assert.equal(ack.ok, true);
    await phone.close();
    phone = await Client.open(node, { user: 'off', client: 'phone' });
    await phone.quiet();
    assert.deepEqual(phone.messages(), [], 'everything acked: nothing replayed');
    await phone.close();

    const tablet = await Client.open(node, { user: 'off', client: 'tablet' }); // never seen: whole backlog
    assert.deepEqual((await take(tablet, 4)).map((m) => m.id), ids);
    await tablet.quiet();
    assert.equal(tablet.messages().length, 0, 'the ttl 0 message is not in the backlog');
    await tablet.close();
    const bare2 = await Client.open(node, { user: 'off' });
    await bare2.quiet();
    assert.deepEqual(bare2.messages(), [], 'a session without client gets no backlog');
    await bare2.close();

    // A message past its ttl is not delivered.
    const short = await push(node, { to: { users: ['ttl'] }, data: 'short', ttl: 1 });
    const long = await push(node, { to: { users: ['ttl'] }, data: 'long', ttl: 600 });
    const expiresAt = Date.now() + 1000;
    await until(async () => Date.now() > expiresAt + 50, { what: 'the 1 s ttl to run out' });
    const late = await Client.open(node, { user: 'ttl', client: 'late' });
    assert.deepEqual((await take(late, 1)).map((m) => m.id), [long.json.id]);
    await late.quiet();
    assert.equal(late.messages().length, 0);
    assert.notEqual(short.json.id, long.json.id);
    await late.close();
  } finally {
    await node.stop();
  }
});

test('a device\'s attach costs a user actor only for its replay: it passivates once the backlog is acked', async () => {
  // A quiet actor waits 3-7.5 s before it passivates; one that only served
  // an attach goes at once.
  const node = await startNode({ args: ['--node.passivate_after=3000'] });
  try {
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await push(node, { to: { users: ['replayed'] }, data: i })).json.id);
    // The pushes' actor goes after its quiet period.
    await until(async () => (await passivated(node, 'user')) === 1, { timeout: 15000, what: 'the pushes\' actor to passivate' });
    const dev = await Client.open(node, { user: 'replayed', client: 'dev' });
    assert.deepEqual((await take(dev, 2)).map((m) => m.id), ids);
    assert.equal((await dev.request({ type: 'ack', ids })).ok, true);
    await until(async () => (await passivated(node, 'user')) > 1, { timeout: 2000, what: 'the replaying actor to passivate' });
    // Still reachable, and the acks were kept across the passivation.
    const live = await push(node, { to: { users: ['replayed'] }, data: 'live' });
    assert.equal(live.json.sessions, 1);
    assert.equal((await dev.message((m) => m.id === live.json.id)).data, 'live');
    await dev.close();
    const again = await Client.open(node, { user: 'replayed', client: 'dev' });
    const next = await again.message();
    assert.equal(next.id, live.json.id, 'only the unacked message is replayed');
    await again.quiet();
    assert.equal(again.messages().length, 0);
    await again.close();
  } finally {
    await node.stop();
  }
});

test('receipts count sessions sent to and devices that acked', async () => {
  const node = await startNode();
  try {
    const a = await Client.open(node, { user: 'rc', client: 'a' });
    const b = await Client.open(node, { user: 'rc', client: 'b' });
    const r = await push(node, { to: { users: ['rc'] }, data: 1 });
    let rec = await api(node, 'GET', `/v1/messages/${r.json.id}`);
    assert.equal(rec.status, 200);
    assert.deepEqual(rec.json, { id: r.json.id, sent: 2, acked: 0 });
    await a.message(); await b.message();
    await a.request({ type: 'ack', ids: [r.json.id] });
    await a.request({ type: 'ack', ids: [r.json.id] }); // twice: counted once
    await until(async () => (await api(node, 'GET', `/v1/messages/${r.json.id}`)).json.acked === 1, { what: 'acked 1' });
    await b.request({ type: 'ack', ids: [r.json.id] });
    await until(async () => (await api(node, 'GET', `/v1/messages/${r.json.id}`)).json.acked === 2, { what: 'acked 2' });
    rec = await api(node, 'GET', `/v1/messages/${r.json.id}`);
    assert.equal(rec.json.sent, 2);
    // A replay to a reconnecting device counts as sent.
    await b.close();
    // The client's close returns before the user actor hears the session
    // ended; a push in between counts it ("sessions reached so far, best
    // effort"): wait until the user's sessions show it gone.
    await until(async () => (await api(node, 'GET', '/v1/users/rc')).json.sessions.length === 1, { what: 'b gone' });
    const r2 = await push(node, { to: { users: ['rc'] }, data: 2 });
    assert.equal(r2.json.sessions, 1);
    const b2 = await Client.open(node, { user: 'rc', client: 'b' });
    assert.equal((await b2.message()).id, r2.json.id);
    await until(async () => (await api(node, 'GET', `/v1/messages/${r2.json.id}`)).json.sent === 2, { what: 'replay counted' });
    assert.equal((await api(node, 'GET', '/v1/messages/nope')).status, 404);
    assert.equal((await api(node, 'GET', `/v1/messages/${r.json.id}`, { auth: 'quiet' })).status, 404, 'receipts are per namespace');
    const stats = (await api(node, 'GET', '/v1/stats')).json;
    assert.ok(stats.messages.acked.minute >= 3);
    await a.close(); await b2.close();
  } finally {
    await node.stop();
  }
});

test('room history: API with limit and since, kept across restarts, join since after restart', async () => {
  const dir = freshDir();
  let node = await startNode({ dataDir: dir, extra: '[namespace.hist]\nsecret = h\nroom_history = 3\n' });
  const ids = [];
  try {
    for (let i = 0; i < 5; i++) ids.push((await push(node, { to: { rooms: ['news'] }, data: i })).json.id);
    let h = await api(node, 'GET', '/v1/rooms/news/history');
    assert.equal(h.status, 200);
    assert.deepEqual(h.json.messages.map((m) => m.data), [0, 1, 2, 3, 4]);
    assert.equal(h.json.messages[0].room, 'news');
    h = await api(node, 'GET', '/v1/rooms/news/history?limit=2');
    assert.deepEqual(h.json.messages.map((m) => m.id), ids.slice(3));
    h = await api(node, 'GET', `/v1/rooms/news/history?since=${ids[1]}`);
    assert.deepEqual(h.json.messages.map((m) => m.id), ids.slice(2));
    assert.equal((await api(node, 'GET', '/v1/rooms/news/history?limit=0')).status, 400);
    assert.equal((await api(node, 'GET', '/v1/rooms/news/history?limit=x')).status, 400);
    // room_history bounds what is kept.
    for (let i = 0; i < 5; i++) await push(node, { to: { rooms: ['small'] }, data: i }, { basic: 'hist:h' });
    h = await api(node, 'GET', '/v1/rooms/small/history', { auth: { basic: 'hist:h' } });
    assert.deepEqual(h.json.messages.map((m) => m.data), [2, 3, 4]);
  } finally {
    await node.stop();
  }
  node = await startNode({ dataDir: dir, extra: '[namespace.hist]\nsecret = h\nroom_history = 3\n' });
  try {
    const h = await api(node, 'GET', '/v1/rooms/news/history');
    assert.deepEqual(h.json.messages.map((m) => m.id), ids, 'history survives a restart');
    const small = await api(node, 'GET', '/v1/rooms/small/history', { auth: { basic: 'hist:h' } });
    assert.deepEqual(small.json.messages.map((m) => m.data), [2, 3, 4]);
    const c = await Client.open(node, { user: 'reader' });
    await c.request({ type: 'join', rooms: ['news'], since: { news: ids[2] } });
    const live = (await push(node, { to: { rooms: ['news'] }, data: 5 })).json.id;
    assert.deepEqual((await take(c, 3)).map((m) => m.id), [ids[3], ids[4], live]);
    await c.close();
  } finally {
    await node.stop();
  }
});

test('kill -9 during a stream of pushes loses nothing that was answered 200', async () => {
  const dir = freshDir();
  let node = await startNode({ dataDir: dir });
  const answered = [];
  let stop = false;
  // One publisher, pushes in sequence; the node is killed while they run.
  const stream = (async () => {
    for (let i = 0; i < 600 && !stop; i++) {
      try {
        const r = await push(node, { to: { users: ['crash'] }, data: { i } });
        if (r.status === 200) answered.push(r.json.id);
      } catch { return; } // the node is gone
    }
  })();
  await until(() => answered.length >= 300, { timeout: 30000, what: '300 answered pushes' });
  node.proc.kill('SIGKILL');
  stop = true;
  await stream;
  await node.exited;
  assert.ok(answered.length >= 300);
  node = await startNode({ dataDir: dir });
  try {
    const c = await Client.open(node, { user: 'crash', client: 'dev' });
    const want = new Set(answered);
    const got = [];
    await until(() => {
      for (const m of c.messages().splice(0)) got.push(m);
      c.frames = c.frames.filter((f) => f.type !== 'message');
      return answered.every((id) => got.some((m) => m.id === id));
    }, { timeout: 15000, what: `all ${answered.length} answered messages after restart` });
    // In publish order, each once (the only extras are pushes that were in
    // flight at the kill and committed without an answer).
    const seen = got.map((m) => m.id);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual(seen.filter((id) => want.has(id)), answered, 'publish order');
    assert.ok(seen.length - answered.length <= 1, `${seen.length - answered.length} unanswered extras`);
    const ack = await c.request({ type: 'ack', ids: seen });
    assert.equal(ack.ok, true);
    await c.close();
    const again = await Client.open(node, { user: 'crash', client: 'dev' });
    await again.quiet();
    assert.equal(again.messages().length, 0, 'acked messages are never sent again');
    await again.close();
  } finally {
    await node.stop();
  }
});

test('the user actor keeps an index, not payloads: memory stays flat under big durable pushes', async () => {
  const node = await startNode();
  try {
    const c = await Client.open(node, { user: 'bulky', client: 'd' });
    const payload = 'y'.repeat(60000);
    // Warm up allocators and memtables, then measure.
    for (let i = 0; i < 50; i++) {
      const r = await push(node, { to: { users: ['bulky'] }, data: payload });
      await c.message((m) => m.id === r.json.id);
    }
    const before = node.rssKb();
    // In lockstep with the reader: a Node client parsing 60 KB frames falls
    // behind a free-running pusher and would (rightly) be closed with 1013.
    for (let i = 0; i < 400; i++) {
      const r = await push(node, { to: { users: ['bulky'] }, data: payload });
      await c.message((m) => m.id === r.json.id);
    }
    const grown = node.rssKb() - before;
    // 24 MB went through; memtables are capped at 64 MB for the whole store.
    assert.ok(grown < 80 * 1024, `RSS grew by ${grown} KB`);
    // A 27 MB backlog, 27 times the send queue, replays from the store in
    // pages: each ack asks for the next, and the session is never cut off.
    await c.close();
    const d2 = await Client.open(node, { user: 'bulky', client: 'new-device' });
    const got = [];
    while (got.length < 450) {
      const m = await d2.message(() => true, 10000);
      got.push(m);
      d2.send({ type: 'ack', ids: [m.id] });
    }
    assert.equal(got[449].data.length, 60000);
    assert.equal(new Set(got.map((m) => m.id)).size, 450);
    await d2.close();
  } finally {
    await node.stop();
  }
});

test('a device that connects while a push to its user is being written gets it (live or replayed)', async () => {
  // The push reaches the user actor first (no session yet: it is written to
  // the inbox only); the device attaches before that write is durable, and
  // its backlog read must not miss it.
  const node = await startNode();
  try {
    const missed = [];
    for (let i = 0; i < 60; i++) {
      const user = `race-${i}`;
      const [r, c] = await Promise.all([
        push(node, { to: { users: [user] }, data: i, ttl: 3600 }),
        (async () => { await new Promise((res) => setImmediate(res)); return Client.open(node, { user, client: 'd' }); })(),
      ]);
      assert.equal(r.status, 200);
      const got = await c.message((m) => m.id === r.json.id, 2000).catch(() => null);
      if (!got) missed.push(user);
      await c.close();
    }
    assert.deepEqual(missed, [], 'every device got the push it connected during');
  } finally {
    await node.stop();
  }
});
