// The demo chat (/demo, [node] demo_ns) in headless Chromium, two users in
// separate browser profiles: a room message, the typing indicator, a
// direct message with its read state, and a direct message sent while the
// reader was away arriving when it comes back (its device id is kept in
// the page's localStorage). Set HERALD_SCREENSHOTS=docs/img to save the
// screenshots the README shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startNode, api, until } from './lib/herald.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let node, plain, browser;
before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/install-deps.sh --with-test-tools installs it`);
  node = await startNode({ args: ['--node.demo_ns=demo'] });
  plain = await startNode({ name: 'plain' });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
});
after(async () => { await browser?.close(); await node?.stop(); await plain?.stop(); });

async function login(ctx, name, rooms = 'lobby') {
  const page = await ctx.newPage();
  await page.setViewport({ width: 1000, height: 640 });
  await page.goto(`${node.base}/demo`);
  await page.type('#name', name);
  await page.$eval('#rooms', (el, v) => { el.value = v; }, rooms);
  await page.click('#login button');
  await page.waitForFunction(() => window.demo.client?.state === 'connected' && window.demo.current, { timeout: 10000 });
  return page;
}
const texts = (page, key) => page.evaluate((k) => (window.demo.conversations.get(k)?.messages || []).map((m) => m.text), key);
async function send(page, text) {
  await page.type('#text', text);
  await page.click('#send-form button');
}

test('the demo chat: rooms, typing, direct messages, read state, offline delivery', async () => {
  const a = await browser.createBrowserContext();
  const b = await browser.createBrowserContext();
  const alice = await login(a, 'alice');
  let bob = await login(b, 'bob');
  await send(alice, 'hello lobby');
  await bob.waitForFunction(() => (window.demo.conversations.get('room:lobby')?.messages || []).some((m) => m.text === 'hello lobby'), { timeout: 10000 });
  // The sender shows its own message when the publish is answered, which
  // may come after the other side has it.
  await alice.waitForFunction(() => (window.demo.conversations.get('room:lobby')?.messages || []).length > 0, { timeout: 10000 });
  assert.deepEqual(await texts(alice, 'room:lobby'), ['hello lobby']);
  // Typing (ttl 0) shows on the other side.
  await bob.type('#text', 'typ');
  await alice.waitForFunction(() => document.getElementById('typing').textContent.includes('bob is typing'), { timeout: 10000 });
  await bob.$eval('#text', (el) => { el.value = ''; });
  // A direct message, read when bob opens it: alice sees the read state.
  await alice.type('#dm-name', 'bob');
  await alice.click('#dm-form button');
  await send(alice, 'just for you');
  await bob.waitForFunction(() => window.demo.conversations.get('dm:alice')?.unread === 1, { timeout: 10000 });
  // As in the room, alice shows her message only once the publish is answered.
  await alice.waitForFunction(() => (window.demo.conversations.get('dm:bob')?.messages || []).some((m) => m.text === 'just for you'), { timeout: 10000 });
  // Read state is the ack: delivered but unread, the receipt counts no ack.
  const dmId = await alice.evaluate(() => window.demo.conversations.get('dm:bob').messages.find((m) => m.text === 'just for you').id);
  const receipt = async () => (await api(node, 'GET', `/v1/messages/${dmId}`)).json;
  assert.equal((await receipt()).acked, 0);
  await bob.evaluate(() => document.querySelector('#dm-list li').click());
  await alice.waitForFunction(() => document.querySelector('#messages .read') !== null, { timeout: 10000 });
  await until(async () => (await receipt()).acked === 1, { what: 'the read message acked' });
  if (process.env.HERALD_SCREENSHOTS) {
    mkdirSync(process.env.HERALD_SCREENSHOTS, { recursive: true });
    await bob.evaluate(() => document.querySelector('#room-list li').click());
    await bob.screenshot({ path: join(process.env.HERALD_SCREENSHOTS, 'demo.png') });
    await bob.evaluate(() => document.querySelector('#dm-list li').click());
  }
  // Bob leaves; a direct message waits for his device; he comes back to it.
  await bob.close();
  await until(async () => !(await api(node, 'GET', '/v1/users/bob')).json.online, { what: 'bob offline' });
  await send(alice, 'while you were away');
  await alice.waitForFunction(() => window.demo.conversations.get('dm:bob').messages.some((m) => m.text === 'while you were away' && m.id), { timeout: 10000 });
  bob = await login(b, 'bob');
  await bob.waitForFunction(() => (window.demo.conversations.get('dm:alice')?.messages || []).some((m) => m.text === 'while you were away'), { timeout: 10000 });
  // The room's history came with the join, too.
  assert.ok((await texts(bob, 'room:lobby')).includes('hello lobby'));
  await a.close();
  await b.close();
});

test('without demo_ns there is no demo and no token minting', async () => {
  assert.equal((await fetch(`${plain.base}/demo`)).status, 404);
  assert.equal((await fetch(`${plain.base}/demo/token`, { method: 'POST', body: '{"user":"x"}' })).status, 404);
  // The SDK is served everywhere, with an ETag it revalidates against.
  const sdk = await fetch(`${plain.base}/sdk/herald.js`);
  assert.equal(sdk.status, 200);
  assert.match(sdk.headers.get('content-type'), /javascript/);
  const again = await fetch(`${plain.base}/sdk/herald.js`, { headers: { 'if-none-match': sdk.headers.get('etag') } });
  assert.equal(again.status, 304);
  const bad = await fetch(`${node.base}/demo/token`, { method: 'POST', body: '{"user":""}' });
  assert.equal(bad.status, 400);
});
