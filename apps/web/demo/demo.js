// herald's demo chat, built on the SDK (/sdk/herald.js): rooms (client
// publish), a typing indicator (ttl 0: live only), direct messages (durable:
// they wait for an offline device), offline messages on reconnect, and
// read state from acks: a direct message is acked when it is read, so an
// unread one comes back on the next connect and its receipt counts the
// read; the reader tells the sender at that moment with a ttl-0 message.
// Tokens come from this node's POST /demo/token ([node] demo_ns).
import { HeraldClient } from '/sdk/herald.js';

const $ = (id) => document.getElementById(id);
const state = {
  me: '', ns: '', client: null,
  conversations: new Map(),  // key ("room:r" | "dm:u") -> {title, kind, name, messages: [], unread}
  current: '',
  typing: new Map(),         // key -> {who, until}
  read: new Set(),           // ids of my messages the other side has read
  lastTyping: 0,
};
window.demo = state;  // for the browser tests and the curious

const wsBase = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;

async function mintToken(user) {
  const r = await fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error?.message || `HTTP ${r.status}`);
  state.ns = body.ns;
  return body.token;
}

function conversation(key, kind, name) {
  if (!state.conversations.has(key))
    state.conversations.set(key, { kind, name, title: kind === 'room' ? `# ${name}` : `@ ${name}`, messages: [], unread: 0 });
  return state.conversations.get(key);
}

function render() {
  const rooms = $('room-list'), dms = $('dm-list');
  rooms.replaceChildren(); dms.replaceChildren();
  for (const [key, c] of state.conversations) {
    const li = document.createElement('li');
    li.textContent = c.kind === 'room' ? `# ${c.name}` : c.name;
    li.dataset.key = key;
    if (key === state.current) li.classList.add('active');
    if (c.unread) { const u = document.createElement('span'); u.className = 'unread'; u.textContent = c.unread; li.append(u); }
    li.onclick = () => select(key);
    (c.kind === 'room' ? rooms : dms).append(li);
  }
  const c = state.conversations.get(state.current);
  $('title').textContent = c ? c.title : '';
  const list = $('messages');
  list.replaceChildren();
  for (const m of c ? c.messages : []) {
    const li = document.createElement('li');
    if (m.from === state.me) li.classList.add('mine');
    const who = document.createElement('div');
    who.className = 'who';
    who.textContent = `${m.from} · ${new Date(m.ts).toLocaleTimeString()}`;
    const text = document.createElement('div');
    text.textContent = m.text;
    li.append(who, text);
    if (m.from === state.me && c.kind === 'dm' && state.read.has(m.id)) {
      const r = document.createElement('span'); r.className = 'read'; r.textContent = '✓ read'; who.append(r);
    }
    list.append(li);
  }
  list.scrollTop = list.scrollHeight;
  const t = state.typing.get(state.current);
  $('typing').textContent = t && t.until > Date.now() ? `${t.who} is typing…` : '';
}

function select(key) {
  state.current = key;
  const c = state.conversations.get(key);
  if (c) {
    c.unread = 0;
    if (c.kind === 'dm') for (const m of c.messages) markRead(m);
  }
  render();
  $('text').focus();
}

// Read state: a direct message shown in the open conversation is read, and
// only then acked; the sender hears of it live (ttl 0), like a typing
// indicator.
function markRead(m) {
  if (m.from === state.me || m.readSent) return;
  m.readSent = true;
  state.client.ack(m.id);
  state.client.publish({ users: [m.from] }, { kind: 'read', id: m.id }, { ttl: 0 }).catch(() => {});
}

function onMessage(m) {
  const d = m.data || {};
  const key = m.room ? `room:${m.room}` : `dm:${m.from}`;
  // Everything but a direct chat message is acked on arrival; that one when read.
  const dm = !m.room && d.kind === 'chat';
  if (!dm) state.client.ack(m.id);
  if (d.kind === 'typing') {
    if (Date.now() - m.ts < 5000) state.typing.set(key, { who: m.from, until: Date.now() + 3000 });
    setTimeout(render, 3100);
    return render();
  }
  if (d.kind === 'read') { state.read.add(d.id); return render(); }
  // Chat frames from the page, and anything a business system (from "api",
  // e.g. the admin console) pushes: its text, or its JSON.
  if (d.kind !== 'chat' && m.from !== 'api') return;
  const c = conversation(key, m.room ? 'room' : 'dm', m.room || m.from);
  const known = c.messages.find((x) => x.id === m.id);
  if (known) { if (known.readSent) state.client.ack(m.id); return; }
  const text = typeof d.text === 'string' ? d.text : JSON.stringify(m.data);
  const entry = { id: m.id, from: m.from, ts: m.ts, text };
  c.messages.push(entry);
  c.messages.sort((a, b) => a.ts - b.ts);
  state.typing.delete(key);
  if (key === state.current && document.visibilityState !== 'hidden') { if (c.kind === 'dm') markRead(entry); }
  else c.unread++;
  render();
}

async function enter(name, rooms) {
  state.me = name;
  const token = await mintToken(name);  // tells the namespace too
  const client = new HeraldClient(wsBase(), {
    ns: state.ns,
    token,
    getToken: () => mintToken(name),
    storage: localStorage,
    autoAck: false,  // direct messages are acked when read (onMessage, markRead)
    clientKey: `herald.demo.${name}`,  // a device per user name in this browser: offline DMs follow it
  });
  state.client = client;
  client.on('state', (s) => {
    const el = $('status');
    el.className = `state ${s.state}`;
    el.textContent = s.state + (s.state === 'disconnected' && s.code ? ` (${s.code})` : '');
  });
  client.on('message', onMessage);
  await client.connect();
  $('me').textContent = name;
  $('device').textContent = `device ${client.client.slice(0, 8)}`;
  for (const r of rooms) await joinRoom(r);
  if (!state.current && rooms.length) select(`room:${rooms[0]}`);
}

async function joinRoom(r) {
  // The last 20 kept messages of a new room: since an unknown id is all of them.
  await state.client.join(r, { since: { [r]: '*' } });
  conversation(`room:${r}`, 'room', r);
  render();
}

$('login').onsubmit = async (e) => {
  e.preventDefault();
  const name = $('name').value.trim();
  const rooms = $('rooms').value.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    await enter(name, rooms);
    $('login').hidden = true;
    $('chat').hidden = false;
    render();
  } catch (err) { $('login-error').textContent = err.message; }
};

$('join-form').onsubmit = async (e) => {
  e.preventDefault();
  const r = $('join-name').value.trim();
  if (!r) return;
  $('join-name').value = '';
  try { await joinRoom(r); select(`room:${r}`); } catch (err) { $('send-error').textContent = `${err.code}: ${err.message}`; }
};

$('dm-form').onsubmit = (e) => {
  e.preventDefault();
  const u = $('dm-name').value.trim();
  if (!u) return;
  $('dm-name').value = '';
  conversation(`dm:${u}`, 'dm', u);
  select(`dm:${u}`);
};

function target() {
  const c = state.conversations.get(state.current);
  if (!c) return null;
  return c.kind === 'room' ? { rooms: [c.name] } : { users: [c.name] };
}

$('send-form').onsubmit = async (e) => {
  e.preventDefault();
  const to = target();
  const text = $('text').value;
  if (!to || !text.trim()) return;
  $('text').value = '';
  $('send-error').textContent = '';
  try {
    const id = await state.client.publish(to, { kind: 'chat', text });
    // Not echoed back to the sender: shown from here.
    const c = state.conversations.get(state.current);
    c.messages.push({ id, from: state.me, ts: Date.now(), text });
    render();
  } catch (err) { $('send-error').textContent = `${err.code}: ${err.message}`; }
};

$('text').oninput = () => {
  const to = target();
  if (!to || Date.now() - state.lastTyping < 2000) return;
  state.lastTyping = Date.now();
  state.client.publish(to, { kind: 'typing' }, { ttl: 0 }).catch(() => {});
};
