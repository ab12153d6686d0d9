// The JavaScript SDK (apps/sdk-js) against real herald processes: reconnect
// after a server restart with every durable message delivered once; room
// `since` after a network drop; dedupe of a redelivered message; token
// refresh before expiry and a new token after a refusal; publish errors
// as HeraldError codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { HeraldClient, HeraldError, tokenExpiry } from '../../apps/sdk-js/index.js';
import { startNode, freePort, push, api, jwt, tokenFor, until } from './lib/herald.mjs';
import { startRoundRobin } from './lib/rr_proxy.mjs';

let node, proxy;
before(async () => {
  node = await startNode();
  proxy = await startRoundRobin([node.port]);
});
after(async () => { await proxy.close(); await node.stop(); });

const fast = { min: 50, max: 400, factor: 2, jitter: 0.2 };
const sdk = (url, opts) => new HeraldClient(url, { ns: 'demo', WebSocket, reconnect: fast, ...opts });
const wsUrl = (n) => `ws://127.0.0.1:${n.port}`;

test('after a server restart every durable message arrives once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-sdk-'));
  const port = await freePort();
  let n = await startNode({ port, dataDir, keepData: true, name: 'sdk1' });
  const c = sdk(`ws://127.0.0.1:${port}`, { token: tokenFor('rs'), client: 'tab' });
  const got = [];
  const states = [];
  c.on('message', (m) => got.push(m.data.i));
  c.on('state', (s) => states.push(s.state));
  try {
    await c.connect();
    for (let i = 0; i < 3; i++) await push(n, { to: { users: ['rs'] }, data: { i }, ttl: 600 });
    await until(() => got.length === 3, { what: 'first three' });
    await n.stop();
    await until(() => c.state !== 'connected', { what: 'the drop seen' });
    n = await startNode({ port, dataDir, keepData: true, name: 'sdk1' });
    await until(() => c.state === 'connected', { timeout: 10000, what: 'reconnected by itself' });
    for (let i = 3; i < 6; i++) await push(n, { to: { users: ['rs'] }, data: { i }, ttl: 600 });
    await until(() => got.length >= 6, { what: 'all six' });
    await c.request({ type: 'ping' }).catch(() => {});  // a round trip: anything late is in
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5], 'each once, in order');
    assert.ok(states.includes('disconnected') && states.at(-1) === 'connected');
    // Acked: the device's inbox is empty.
    await until(async () => (await api(n, 'GET', '/v1/users/rs/devices')).json.devices[0].unacked === 0, { what: 'all acked' });
  } finally {
    c.close();
    await n.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('after a network drop it re-joins its rooms with since and misses nothing retained', async () => {
  const c = sdk(`ws://127.0.0.1:${proxy.port}`, { token: tokenFor('drop') });
  const got = [];
  c.on('message', (m) => got.push(m.data));
  try {
    // Retained before this client joined: never shown to it.
    await push(node, { to: { rooms: ['sport'] }, data: 's0' });
    await c.connect();
    await c.join(['news', 'sport']);
    await push(node, { to: { rooms: ['news'] }, data: 'n1' });
    await until(() => got.includes('n1'), { what: 'n1' });
    proxy.cut();
    await until(() => c.state !== 'connected', { what: 'drop' });
    // While it is away: retained in the rooms' history.
    await push(node, { to: { rooms: ['news'] }, data: 'n2' });
    await push(node, { to: { rooms: ['sport'] }, data: 's1' });
    await until(() => c.state === 'connected', { timeout: 10000, what: 'back' });
    await until(() => got.includes('n2') && got.includes('s1'), { what: 'n2 and s1 after the re-join' });
    await push(node, { to: { rooms: ['news'] }, data: 'n3' });
    await until(() => got.includes('n3'), { what: 'live again' });
    assert.deepEqual(got.filter((d) => d[0] === 'n'), ['n1', 'n2', 'n3'], 'n1 not replayed: since was n1');
    assert.deepEqual(got.filter((d) => d[0] === 's'), ['s1'], 's0 came before the join');
    assert.deepEqual([...c.rooms.keys()].sort(), ['news', 'sport']);
  } finally { c.close(); }
});

test('a message delivered again after a drop reaches the app once', async () => {
  const c = sdk(`ws://127.0.0.1:${proxy.port}`, { token: tokenFor('dd'), client: 'phone', autoAck: false });
  const got = [];
  let connects = 0;
  c.on('message', (m) => got.push(m.id));
  c.on('connected', () => connects++);
  try {
    await c.connect();
    const p = await push(node, { to: { users: ['dd'] }, data: 'once', ttl: 600 });
    await until(() => got.length === 1, { what: 'first delivery' });
    proxy.cut();  // not acked: herald sends it again on the next connection
    await until(() => connects === 2, { what: 'reconnected' });
    const seen = await c.request({ type: 'ping' });  // the redelivery comes before this reply
    assert.equal(seen.ok, true);
    assert.deepEqual(got, [p.json.id]);
    c.ack(p.json.id);
  } finally { c.close(); }
});

test('tokens: a refused one is replaced from getToken, an expiring one refreshed', async () => {
  let calls = 0;
  const getToken = async () => {
    calls++;
    if (calls === 1) return 'not-a-token';
    return jwt('demo-secret', { sub: 'tk', exp: Math.floor(Date.now() / 1000) + 3 });
  };
  const c = sdk(wsUrl(node), { getToken, refreshBefore: 2 });
  const closes = [];
  c.on('disconnected', (d) => closes.push(d.code));
  try {
    const w = await c.connect();
    assert.equal(w.user, 'tk');
    assert.ok(tokenExpiry(jwt('demo-secret', { sub: 'x', exp: 42 })) === 42);
    assert.ok(calls >= 2, 'asked again after the refusal');
    // Past the first token's exp: refreshed, the session goes on (no 4001).
    await until(() => calls >= 3, { timeout: 5000, what: 'a refresh before exp' });
    await new Promise((r) => setTimeout(r, 3200));
    assert.equal(c.state, 'connected');
    assert.equal(c.session.session, w.session, 'the same session');
    assert.ok(!closes.includes(4001), `closes: ${closes}`);
  } finally { c.close(); }
});

test('publish and join errors reject with herald codes', async () => {
  const quiet = sdk(wsUrl(node), { ns: 'quiet', token: tokenFor('q', 'quiet') });
  const demo = sdk(wsUrl(node), { token: tokenFor('pub') });
  try {
    await quiet.connect();
    await assert.rejects(quiet.publish({ rooms: ['r'] }, 1), (e) => e instanceof HeraldError && e.code === 'forbidden');
    await demo.connect();
    await assert.rejects(demo.publish({ rooms: ['not-joined'] }, 1), (e) => e.code === 'not_in_room');
    await assert.rejects(demo.join(Array.from({ length: 101 }, (_, i) => `r${i}`)), (e) => e.code === 'too_many_rooms');
    await demo.join('ok');
    const id = await demo.publish({ rooms: ['ok'] }, { fine: true });
    assert.match(id, /./);
  } finally { quiet.close(); demo.close(); }
  await assert.rejects(demo.publish({ rooms: ['ok'] }, 1), (e) => e.code === 'unavailable');
});
