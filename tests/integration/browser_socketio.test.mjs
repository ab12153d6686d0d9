// socket.io-client in headless Chromium (Debian's chromium, driven by npm
// puppeteer-core; nothing downloaded): the page and the client bundle come
// from a local static server, the page connects to herald on another
// origin (polling needs CORS: [node] cors_origins), upgrades to WebSocket,
// joins a room, gets pushes and acks them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { startNode, api, push, tokenFor, until, freePort } from './lib/herald.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const bundle = readFileSync(new URL('./node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url));

const page = `<!doctype html><meta charset="utf-8"><title>herald socket.io</title>
<script src="/socket.io.min.js"></script>
<script>
  const q = new URLSearchParams(location.search);
  window.got = []; window.states = [];
  const socket = io(q.get('herald') + '/demo', { auth: { token: q.get('token'), client: 'browser-tab' } });
  window.socket = socket;
  socket.on('connect', async () => {
    window.states.push('connect');
    window.joined = await socket.timeout(5000).emitWithAck('join', { rooms: ['web'] });
  });
  socket.on('message', (m) => { window.got.push(m); socket.emit('ack', { ids: [m.id] }); });
  socket.on('connect_error', (e) => window.states.push('error:' + (e.data && e.data.code)));
</script>`;

let node, site, browser, sitePort;
const requests = [];
before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/install-deps.sh --with-test-tools installs Debian's chromium`);
  sitePort = await freePort();
  site = createServer((req, res) => {
    if (req.url.startsWith('/socket.io.min.js')) { res.writeHead(200, { 'content-type': 'text/javascript' }); return res.end(bundle); }
    if (req.url.startsWith('/index.html')) { res.writeHead(200, { 'content-type': 'text/html' }); return res.end(page); }
    res.writeHead(404); res.end();
  });
  await new Promise((ok) => site.listen(sitePort, '127.0.0.1', ok));
  node = await startNode({ args: [`--node.cors_origins=http://127.0.0.1:${sitePort}`] });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
});
after(async () => {
  await browser?.close();
  await node?.stop();
  site?.closeAllConnections();
  await new Promise((ok) => (site ? site.close(ok) : ok()));
});

test('the socket.io client bundle in Chromium connects, upgrades, joins, receives and acks', async () => {
  const tab = await browser.newPage();
  tab.on('request', (r) => requests.push(r.url()));
  const url = `http://127.0.0.1:${sitePort}/index.html?herald=${encodeURIComponent(node.base)}&token=${tokenFor('webuser')}`;
  await tab.goto(url);
  await tab.waitForFunction(() => window.joined, { timeout: 10000 });
  const joined = await tab.evaluate(() => window.joined);
  assert.deepEqual([joined.type, joined.id, joined.ok, typeof joined.ts], ['reply', 0, true, 'number']);
  await tab.waitForFunction(() => window.socket.io.engine.transport.name === 'websocket', { timeout: 10000 });
  const r = await push(node, { to: { rooms: ['web'] }, data: { text: 'hello browser' } });
  const d = await push(node, { to: { users: ['webuser'] }, data: { text: 'durable' }, ttl: 60 });
  await tab.waitForFunction(() => window.got.length >= 2, { timeout: 10000 });
  const got = await tab.evaluate(() => window.got);
  assert.deepEqual(got.map((m) => m.id).sort(), [r.json.id, d.json.id].sort());
  await until(async () => (await api(node, 'GET', `/v1/messages/${d.json.id}`)).json.acked === 1, { what: 'the page acked' });
  const u = await api(node, 'GET', '/v1/users/webuser');
  assert.equal(u.json.sessions[0].client, 'browser-tab');
  // Nothing but the local page server and herald was asked for (no CDN).
  for (const u of requests) assert.match(u, /^http:\/\/127\.0\.0\.1:/, u);
  await tab.close();
});

test('a refused token shows as connect_error with herald code in the page', async () => {
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${sitePort}/index.html?herald=${encodeURIComponent(node.base)}&token=nope`);
  await tab.waitForFunction(() => window.states.length > 0, { timeout: 10000 });
  assert.equal(await tab.evaluate(() => window.states[0]), 'error:unauthorized');
  await tab.close();
});
