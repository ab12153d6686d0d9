// The admin console (/admin) in headless Chromium against a 3-node local
// cluster: it signs in with the admin token, shows the three nodes,
// creates a namespace (its secret shown once), sends a push from its form
// that the demo chat in another tab (on another node) receives, renders its chart from live
// numbers, and the simulator's clients appear online in the user view.
// HERALD_SCREENSHOTS=docs/img saves docs/img/admin.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startCluster } from './lib/herald.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let nodes, browser;
before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/install-deps.sh --with-test-tools installs it`);
  nodes = await startCluster(['a', 'b', 'c'], { args: ['--node.demo_ns=demo'] });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
});
after(async () => { await browser?.close(); await Promise.all((nodes || []).map((n) => n.stop())); });

test('the console: cluster, namespaces, a push a demo tab receives, charts, the simulator', async () => {
  const [a, b] = nodes;
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 1400 });
  await page.goto(`${a.base}/admin`);
  await page.type('#token', 'wrong');
  await page.click('#login button');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.includes('unauthorized'), { timeout: 10000 });
  await page.$eval('#token', (el) => { el.value = 'admin-token'; });
  await page.click('#login button');
  await page.waitForFunction(() => document.querySelectorAll('#nodes tr').length === 3, { timeout: 10000 });
  assert.equal(await page.$eval('#login', (el) => getComputedStyle(el).display), 'none');
  const names = await page.$$eval('#nodes tr td:first-child', (tds) => tds.map((t) => t.textContent).sort());
  assert.deepEqual(names, ['a (this node)', 'b', 'c']);
  // A namespace, created here: the secret once.
  await page.type('#ns-name', 'shop');
  await page.click('#ns-create button');
  await page.waitForFunction(() => document.getElementById('ns-secret').textContent.startsWith('shop: secret'), { timeout: 10000 });
  assert.ok(await page.$$eval('#namespaces tr td:first-child', (t) => t.map((x) => x.textContent).includes('shop')));
  // The demo chat open on another node, as user viewer, receives the console's push.
  const tab = await browser.newPage();
  await tab.goto(`${b.base}/demo`);
  await tab.type('#name', 'viewer');
  await tab.click('#login button');
  await tab.waitForFunction(() => window.demo.client?.state === 'connected', { timeout: 10000 });
  await page.bringToFront();  // input to a tab behind another waits for a frame that never comes
  await page.select('#ns', 'demo');
  await page.$eval('#push-to', (el) => { el.value = 'viewer'; });
  await page.click('#push-form button');
  await page.waitForFunction(() => document.getElementById('push-result').textContent.startsWith('sent '), { timeout: 10000 })
    .catch(async (e) => { throw new Error(`push form: ${await page.$eval('#push-result', (el) => el.textContent)} (${e.message})`); });
  // The tab is behind the console now: poll by timer, as it paints no frames.
  await tab.waitForFunction(() => (window.demo.conversations.get('dm:api')?.messages || []).some((m) => m.text === 'hello from the console'),
    { timeout: 10000, polling: 50 }).catch(async (e) => {
    throw new Error(`the demo tab: ${await tab.evaluate(() => JSON.stringify([window.demo.client.state, [...window.demo.conversations]]))} (${e.message})`);
  });
  // The simulator: three clients, then the user view shows one online with its device.
  await page.click('#sim-form button');
  await page.waitForFunction(() => window.admin.sims.length === 3 && window.admin.sims.every((s) => s.state === 'connected'), { timeout: 15000 });
  await page.$eval('#user-name', (el) => { el.value = 'sim-2'; });
  await page.click('#user-form button');
  await page.waitForFunction(() => document.getElementById('user-view').textContent.includes('online') &&
    document.getElementById('user-view').textContent.includes('sim-device-2'), { timeout: 10000 });
  // A room push reaches every simulated client; the chart has data.
  await page.select('#push-kind', 'rooms');
  await page.$eval('#push-to', (el) => { el.value = 'lobby'; });
  await page.click('#push-form button');
  await page.waitForFunction(() => window.admin.sims.every((s) => s.received >= 1), { timeout: 10000 });
  await page.waitForFunction(() => window.admin.samples.some((s) => s.messages.delivered.minute > 0) && document.querySelector('#chart canvas'), { timeout: 10000 });
  await page.select('#chart-window', 'hour');
  assert.equal(await page.$eval('#chart .u-legend', (el) => el.textContent.includes('delivered / hour')), true);
  // On and offline: a client that never acks gets its message again when it
  // comes back; one that acks does not (a later push arrives, the old one not).
  await page.$eval('#sim-n', (el) => { el.value = '1'; });
  await page.click('#sim-noack');
  await page.click('#sim-form button');
  await page.waitForFunction(() => window.admin.sims[3]?.noAck && window.admin.sims[3].state === 'connected', { timeout: 10000 });
  const sim = (i) => page.evaluate((k) => ({ ...window.admin.sims[k], client: undefined }), i);
  const toggle = (user) => page.evaluate((u) => [...document.querySelectorAll('#sims tr')]
    .find((tr) => tr.firstChild.textContent === u).querySelector('button').click(), user);
  const pushTo = async (users, text) => {
    await page.select('#push-kind', 'users');
    await page.$eval('#push-to', (el, v) => { el.value = v; }, users);
    await page.$eval('#push-data', (el, v) => { el.value = JSON.stringify({ text: v }); }, text);
    await page.evaluate(() => { document.getElementById('push-result').textContent = ''; });
    await page.click('#push-form button');
    await page.waitForFunction(() => document.getElementById('push-result').textContent.startsWith('sent '), { timeout: 10000 });
  };
  const before1 = (await sim(0)).received;
  await pushTo('sim-1,sim-4', 'kept until acked');
  await page.waitForFunction((n) => window.admin.sims[0].received === n + 1 && window.admin.sims[3].received === 1, { timeout: 10000 }, before1);
  for (const u of ['sim-1', 'sim-4']) await toggle(u);
  await page.waitForFunction(() => window.admin.sims[0].state === 'disconnected' && window.admin.sims[3].state === 'disconnected', { timeout: 10000 });
  for (const u of ['sim-1', 'sim-4']) await toggle(u);
  await page.waitForFunction(() => window.admin.sims[3].received === 2 && window.admin.sims[3].last.includes('kept until acked'), { timeout: 10000 });
  await page.$eval('#user-name', (el) => { el.value = 'sim-4'; });
  await page.click('#user-form button');
  const unacked = () => [...document.querySelectorAll('#user-view table:last-of-type tr')].map((tr) => [...tr.children].map((td) => td.textContent))
    .find((r) => r[0] === 'sim-device-4')?.[2];
  await page.waitForFunction(`(${unacked})() === '1'`, { timeout: 10000 });
  await page.waitForFunction(() => window.admin.sims[0].state === 'connected', { timeout: 10000 });
  await pushTo('sim-1', 'after the return');
  await page.waitForFunction(() => window.admin.sims[0].last.includes('after the return'), { timeout: 10000 });
  assert.equal((await sim(0)).received, before1 + 2);
  // The last push's receipt, the room's members and history.
  await page.click('#push-result button');
  const lastId = await page.evaluate(() => document.getElementById('msg-id').value);
  await page.waitForFunction((id) => document.getElementById('msg-view').textContent.includes(id), { timeout: 10000 }, lastId);
  await page.$eval('#room-name', (el) => { el.value = 'lobby'; });
  await page.click('#room-form button');
  await page.waitForFunction(() => /\d+ member/.test(document.getElementById('room-view').textContent) &&
    document.getElementById('room-view').textContent.includes('hello from the console'), { timeout: 10000 });
  assert.equal(await page.$eval('#room-view', (el) => el.textContent.includes('sim-3')), true);
  // Settings of a namespace, and deleting it (after the confirm dialog).
  await page.evaluate(() => [...document.querySelectorAll('#namespaces tr')].find((tr) => tr.firstChild.textContent === 'shop').firstChild.click());
  assert.equal(await page.$eval('#ns-edit-name', (el) => el.textContent), 'shop');
  await page.$eval('#ns-settings', (el) => { const j = JSON.parse(el.value); j.room_history = 7; el.value = JSON.stringify(j); });
  await page.click('#ns-edit button');
  await page.waitForFunction(() => document.getElementById('ns-edit-result').textContent === 'saved room_history', { timeout: 10000 });
  const listed = await fetch(`${a.base}/v1/admin/namespaces`, { headers: { authorization: 'Bearer admin-token' } }).then((r) => r.json());
  assert.equal(listed.namespaces.find((n) => n.name === 'shop').room_history, 7);
  await page.$eval('#ns-settings', (el) => { const j = JSON.parse(el.value); j.room_history = -1; el.value = JSON.stringify(j); });
  await page.click('#ns-edit button');
  await page.waitForFunction(() => document.getElementById('ns-edit-result').textContent.startsWith('bad_request'), { timeout: 10000 });
  if (process.env.HERALD_SCREENSHOTS) {
    mkdirSync(process.env.HERALD_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(process.env.HERALD_SCREENSHOTS, 'admin.png'), fullPage: true });
  }
  page.on('dialog', (d) => d.accept());
  await page.evaluate(() => [...document.querySelectorAll('#namespaces tr')].find((tr) => tr.firstChild.textContent === 'shop').querySelector('button').click());
  await page.waitForFunction(() => ![...document.querySelectorAll('#namespaces tr td:first-child')].some((t) => t.textContent === 'shop'), { timeout: 10000 });
  await tab.close();
  await page.close();
});

test('the console\'s assets: embedded, typed, revalidated by ETag, same-origin scripts only', async () => {
  const [a] = nodes;
  for (const [path, type] of [['/admin', /text\/html/], ['/admin/admin.js', /javascript/], ['/admin/admin.css', /text\/css/],
    ['/vendor/uplot.js', /javascript/], ['/vendor/uplot.css', /text\/css/]]) {
    const r = await fetch(`${a.base}${path}`);
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), type, path);
    const etag = r.headers.get('etag');
    assert.ok(etag, path);
    assert.equal((await fetch(`${a.base}${path}`, { headers: { 'if-none-match': etag } })).status, 304, path);
    assert.equal((await fetch(`${a.base}${path}`, { headers: { 'if-none-match': '"other"' } })).status, 200, path);
  }
  const page = await fetch(`${a.base}/admin`);
  assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  assert.equal((await fetch(`${a.base}/admin/nope.js`)).status, 404);
});
