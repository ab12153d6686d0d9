// herald's admin console: reads only the public HTTP API (docs/http-api.md)
// with the admin token, and the SDK for its simulated clients. Works on any
// node of a cluster: every view is the cluster's.
import { HeraldClient } from '/sdk/herald.js';

const $ = (id) => document.getElementById(id);
const ui = { token: sessionStorage.getItem('herald.admin') || '', ns: '', sims: [], samples: [], chart: null };
window.admin = ui;  // for the browser tests

async function call(method, path, body) {
  const sep = path.includes('?') ? '&' : '?';
  const url = path.startsWith('/v1/admin') || path === '/v1/cluster' ? path : `${path}${sep}ns=${encodeURIComponent(ui.ns)}`;
  const r = await fetch(url, {
    method, headers: { authorization: `Bearer ${ui.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  if (!r.ok) throw new Error(json?.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${r.status}`);
  return json;
}

function cells(tr, values) {
  for (const v of values) {
    const td = document.createElement('td');
    if (v instanceof Node) td.append(v); else td.textContent = v ?? '';
    tr.append(td);
  }
  return tr;
}
function table(headers, rows) {
  const t = document.createElement('table');
  t.append(cells(document.createElement('tr'), headers));
  for (const r of rows) t.append(cells(document.createElement('tr'), r));
  return t;
}
function tag(cls, text) { const s = document.createElement('span'); s.className = cls; s.textContent = text; return s; }
function button(text, fn, cls) { const b = document.createElement('button'); b.type = 'button'; b.textContent = text; if (cls) b.className = cls; b.onclick = fn; return b; }
const show = (id, ...nodes) => $(id).replaceChildren(...nodes);
const fail = (id, e) => show(id, tag('error', e.message));

// -- sign in, namespaces ----------------------------------------------------------

async function signIn() {
  const list = await call('GET', '/v1/admin/namespaces');
  sessionStorage.setItem('herald.admin', ui.token);
  $('login').hidden = true;
  $('console').hidden = false;
  $('ns-pick').hidden = false;
  renderNamespaces(list.namespaces);
  refresh();
  setInterval(refresh, 2000);
}

function renderNamespaces(list) {
  const sel = $('ns');
  const keep = ui.ns || (list.find((n) => n.name === 'demo') || list[0])?.name || '';
  sel.replaceChildren(...list.map((n) => { const o = document.createElement('option'); o.value = o.textContent = n.name; return o; }));
  sel.value = ui.ns = keep;
  const body = $('namespaces');
  body.replaceChildren();
  for (const n of list) {
    const tr = cells(document.createElement('tr'), [n.name, n.client_publish ? 'yes' : 'no', n.message_ttl, n.room_history,
      button('delete', async () => {
        if (!confirm(`Delete namespace ${n.name} and close its sessions?`)) return;
        await call('DELETE', `/v1/admin/namespaces/${n.name}`);
        reloadNamespaces();
      }, 'danger')]);
    tr.onclick = (e) => { if (e.target.tagName !== 'BUTTON') editSettings(n); };
    body.append(tr);
  }
}
async function reloadNamespaces() { renderNamespaces((await call('GET', '/v1/admin/namespaces')).namespaces); }

// Settings: the namespace's as listed; Save sends the keys that changed
// (herald checks each as a create does, and answers what it refuses).
let editing = null;
function editSettings(n) {
  const { name, ...rest } = n;
  editing = { name, before: rest };
  $('ns-edit').hidden = false;
  $('ns-edit-name').textContent = name;
  $('ns-settings').value = JSON.stringify(rest, null, 2);
  $('ns-edit-result').textContent = '';
}
$('ns-edit').onsubmit = async (e) => {
  e.preventDefault();
  try {
    const now = JSON.parse($('ns-settings').value);
    const changed = Object.fromEntries(Object.entries(now).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(editing.before[k])));
    if (!Object.keys(changed).length) { $('ns-edit-result').textContent = 'nothing changed'; return; }
    const saved = await call('PATCH', `/v1/admin/namespaces/${editing.name}`, changed);
    $('ns-edit-result').textContent = `saved ${Object.keys(changed).join(', ')}`;
    await reloadNamespaces();
    const { name, ...rest } = saved;
    editing.before = rest;
  } catch (err) { $('ns-edit-result').textContent = err.message; }
};

$('ns').onchange = () => { ui.ns = $('ns').value; ui.samples = []; refresh(); };
$('ns-create').onsubmit = async (e) => {
  e.preventDefault();
  try {
    const made = await call('POST', '/v1/admin/namespaces', { name: $('ns-name').value, client_publish: $('ns-publish').checked });
    $('ns-name').value = '';
    await reloadNamespaces();
    // The secret is shown this once: the list never carries it.
    $('ns-secret').textContent = `${made.name}: secret ${made.secret} (shown once)`;
  } catch (err) { $('ns-secret').textContent = err.message; }
};

// -- cluster, numbers, charts ---------------------------------------------------

async function refresh() {
  if (!ui.ns) return;
  try {
    const [cluster, stats] = await Promise.all([call('GET', '/v1/cluster'), call('GET', '/v1/stats?nodes=1')]);
    const by = Object.fromEntries((stats.nodes || []).map((n) => [n.node, n]));
    $('nodes').replaceChildren(...cluster.nodes.map((n) => {
      const s = by[n.name];
      return cells(document.createElement('tr'), [n.name + (n.self ? ' (this node)' : ''), tag(n.state, n.state), n.http || location.host,
        s?.connections, s?.users_online, s?.messages.published.minute, s?.messages.delivered.minute, s?.messages.acked.minute]);
    }));
    const m = stats.messages;
    $('totals').replaceChildren(...['published', 'delivered', 'acked'].map((k) =>
      cells(document.createElement('tr'), [k, m[k].minute, m[k].hour, m[k].day])));
    const rate = (w) => (m.published[w] ? `${Math.round((100 * m.acked[w]) / Math.max(1, m.delivered[w]))} %` : '–');
    $('rate').textContent = `acked / delivered: last minute ${rate('minute')}, hour ${rate('hour')}, day ${rate('day')}; ` +
      `${stats.connections} connections, ${stats.users_online} users online, ${stats.rooms} rooms`;
    sample(m);
  } catch (e) { $('rate').textContent = e.message; }
}

// Each sample holds the namespace's counts over the last minute, hour and
// day when it was taken; the chart plots the chosen window's counts and the
// delivery rate (acked / delivered) of that window on its own axis.
function sample(m) {
  ui.samples.push({ t: Date.now() / 1000, messages: m });
  if (ui.samples.length > 900) ui.samples.shift();
  drawChart();
}
const pct = (m, w) => (m.delivered[w] ? (100 * m.acked[w]) / m.delivered[w] : null);
function drawChart() {
  const w = $('chart-window').value;
  const cols = [ui.samples.map((s) => s.t), ...['published', 'delivered', 'acked'].map((k) => ui.samples.map((s) => s.messages[k][w])),
    ui.samples.map((s) => pct(s.messages, w))];
  if (ui.chart && ui.chart.window !== w) { ui.chart.destroy(); ui.chart = null; }
  if (!ui.chart) {
    ui.chart = new uPlot({
      width: Math.min(1100, $('charts').clientWidth - 40), height: 240,
      scales: { pct: { range: [0, 100] } },
      series: [{}, { label: `published / ${w}`, stroke: '#3563c9' }, { label: `delivered / ${w}`, stroke: '#2e9d5b' },
        { label: `acked / ${w}`, stroke: '#c98a1b' }, { label: 'acked / delivered %', stroke: '#8a3fc9', dash: [6, 4], scale: 'pct' }],
      axes: [{}, { label: `messages in the last ${w}` }, { scale: 'pct', side: 1, label: '%', grid: { show: false } }],
    }, cols, $('chart'));
    ui.chart.window = w;
  } else ui.chart.setData(cols);
}
$('chart-window').onchange = drawChart;

// -- push, user, room, receipt --------------------------------------------------

$('push-form').onsubmit = async (e) => {
  e.preventDefault();
  try {
    const kind = $('push-kind').value;
    const names = $('push-to').value.split(',').map((s) => s.trim()).filter(Boolean);
    const to = kind === 'all' ? { all: true } : { [kind]: names };
    const r = await call('POST', '/v1/push', { to, data: JSON.parse($('push-data').value), ttl: Number($('push-ttl').value) });
    show('push-result', document.createTextNode(`sent ${r.id} to ${r.sessions} session(s) `),
      button('receipt', () => { $('msg-id').value = r.id; lookupMessage(); }));
  } catch (err) { fail('push-result', err); }
};

async function lookupUser() {
  const u = $('user-name').value.trim();
  try {
    const [info, devices] = await Promise.all([call('GET', `/v1/users/${encodeURIComponent(u)}`),
      call('GET', `/v1/users/${encodeURIComponent(u)}/devices`)]);
    show('user-view', tag(info.online ? 'up' : 'down', info.online ? 'online' : 'offline'),
      table(['session', 'device', 'node', 'since'], info.sessions.map((s) => [s.session, s.client, s.node, new Date(s.since).toLocaleTimeString()])),
      table(['device', 'online', 'unacked', 'last connect', 'node'], devices.devices.map((d) =>
        [d.client, d.online ? 'yes' : 'no', d.unacked, d.last_connect ? new Date(d.last_connect).toLocaleString() : '', d.node])));
  } catch (err) { fail('user-view', err); }
}
$('user-form').onsubmit = (e) => { e.preventDefault(); lookupUser(); };

$('room-form').onsubmit = async (e) => {
  e.preventDefault();
  const r = encodeURIComponent($('room-name').value.trim());
  try {
    const [info, history] = await Promise.all([call('GET', `/v1/rooms/${r}`), call('GET', `/v1/rooms/${r}/history?limit=20`)]);
    show('room-view', document.createTextNode(`${info.members} member(s)`),
      table(['session', 'user', 'node'], info.sessions.map((s) => [s.session, s.user, s.node])),
      table(['id', 'from', 'data'], history.messages.map((m) => [m.id, m.from, JSON.stringify(m.data)])));
  } catch (err) { fail('room-view', err); }
};

async function lookupMessage() {
  try {
    const r = await call('GET', `/v1/messages/${encodeURIComponent($('msg-id').value.trim())}`);
    show('msg-view', table(['id', 'sent', 'acked'], [[r.id, r.sent, r.acked]]));
  } catch (err) { fail('msg-view', err); }
}
$('msg-form').onsubmit = (e) => { e.preventDefault(); lookupMessage(); };

// -- the client simulator ---------------------------------------------------------
// Each simulated client is an SDK client with its own device; taken offline
// it closes, brought back a new SDK client connects with the same device, so
// what herald sends again (unacked messages) shows as received again.

async function simToken(user) {
  return (await call('POST', `/v1/admin/namespaces/${ui.ns}/token`, { user, ttl: 3600 })).token;
}
const wsBase = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;

function simConnect(sim) {
  const c = new HeraldClient(wsBase(), { ns: sim.ns, getToken: () => simToken(sim.user), client: sim.device, autoAck: !sim.noAck });
  sim.client = c;
  // A client taken offline may still report its close after its successor connected.
  c.on('state', (s) => { if (sim.client === c) { sim.state = s.state; renderSims(); } });
  c.on('message', (m) => { sim.received++; sim.last = JSON.stringify(m.data); renderSims(); });
  c.connect().then(() => Promise.all(sim.rooms.map((r) => c.join(r)))).catch((e) => { sim.state = e.message; renderSims(); });
}

function renderSims() {
  $('sims').replaceChildren(...ui.sims.map((s) => cells(document.createElement('tr'), [s.user, s.device + (s.noAck ? ' (never acks)' : ''),
    tag(s.state, s.state), s.received, s.last,
    button(s.state === 'disconnected' ? 'go online' : 'go offline', () => {
      if (s.state === 'disconnected') simConnect(s); else { s.client.close(); }
    })])));
}

$('sim-form').onsubmit = (e) => {
  e.preventDefault();
  const n = Number($('sim-n').value);
  const rooms = $('sim-rooms').value.split(',').map((s) => s.trim()).filter(Boolean);
  const base = ui.sims.length;
  for (let i = 0; i < n; i++) {
    const sim = { ns: ui.ns, user: `sim-${base + i + 1}`, device: `sim-device-${base + i + 1}`, rooms, noAck: $('sim-noack').checked && i === 0,
      state: 'connecting', received: 0, last: '' };
    ui.sims.push(sim);
    simConnect(sim);
  }
  renderSims();
};

$('login').onsubmit = async (e) => {
  e.preventDefault();
  ui.token = $('token').value;
  try { await signIn(); } catch (err) { $('login-error').textContent = err.message; }
};
if (ui.token) signIn().catch(() => { $('login').hidden = false; });
