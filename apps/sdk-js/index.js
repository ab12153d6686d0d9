// herald's JavaScript client: one WebSocket to a herald node (docs/protocol.md),
// kept up by itself. No runtime dependencies; an ES module for browsers and
// Node >= 18 (pass `WebSocket` from the `ws` package where there is no global).
//
// What it does for the app: reconnects with exponential backoff and jitter;
// re-joins every room after a reconnect with `since` = the last message id
// seen there (so nothing retained is missed); delivers every message once
// (dedupe by id in a bounded window) and acks it (or lets the app); answers
// every request as a promise with a timeout; fetches a new token when the
// server refuses one or it is about to expire (`refresh` frame).

export class HeraldError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'HeraldError';
    this.code = code;
  }
}

// Close codes after which the client does not reconnect by itself: herald
// or the app ended the session on purpose (docs/protocol.md, close codes).
const FINAL = new Set([1008, 4000]);

const defaults = {
  ns: undefined,
  token: undefined,        // a JWT, or
  getToken: undefined,     // async () => JWT: asked at each (re)connect after a refusal, and before expiry
  client: undefined,       // device id; or kept in `storage` under `clientKey`
  storage: undefined,      // { getItem(k), setItem(k, v) } (e.g. localStorage)
  clientKey: 'herald.client',
  autoAck: true,
  requestTimeout: 10000,
  dedupe: 1000,            // ids remembered
  reconnect: { min: 500, max: 30000, factor: 2, jitter: 0.5 },
  refreshBefore: 30,       // s before a token's exp to send a refresh
  WebSocket: undefined,
  meta: undefined,         // object, sent once as the `meta` URL parameter
};

function b64urlJson(part) {
  const s = part.replace(/-/g, '+').replace(/_/g, '/');
  const pad = s.length % 4 ? '='.repeat(4 - (s.length % 4)) : '';
  const text = typeof atob === 'function' ? atob(s + pad) : Buffer.from(s + pad, 'base64').toString('binary');
  return JSON.parse(decodeURIComponent(escape(text)));
}

// The `exp` of a JWT (s), if it has one; the client does not verify it.
export function tokenExpiry(token) {
  try {
    const exp = b64urlJson(String(token).split('.')[1]).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch { return undefined; }
}

function randomId() {
  const c = globalThis.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  return Math.random().toString(36).slice(2) + Date.now().toString(36);
}

export class HeraldClient {
  // url: ws(s)://host:port (the node; /v1/ws is added), options as `defaults`.
  constructor(url, options = {}) {
    this.url = url.replace(/\/+$/, '');
    this.opt = { ...defaults, ...options, reconnect: { ...defaults.reconnect, ...(options.reconnect || {}) } };
    if (!this.opt.ns) throw new TypeError('options.ns is required');
    if (!this.opt.token && !this.opt.getToken) throw new TypeError('options.token or options.getToken is required');
    this.WS = this.opt.WebSocket || globalThis.WebSocket;
    if (!this.WS) throw new TypeError('no WebSocket: pass options.WebSocket (e.g. from the ws package)');
    this.client = this.opt.client ?? this.#storedClient();
    this.state = 'disconnected';
    this.session = undefined;
    this.rooms = new Map();   // room -> last message id seen (or undefined)
    this.#joinedAt = new Map();  // room -> server ms of its join, while nothing was seen there
    this.#token = this.opt.token;
    this.#listeners = new Map();
  }

  #token; #listeners; #ws; #nextId = 1; #pending = new Map(); #seen = new Set(); #seenOrder = [];
  #attempt = 0; #timer; #refreshTimer; #closedByApp = false; #acks = []; #ackTimer; #refused = false;
  #connectWaiters = []; #joinedAt;

  #storedClient() {
    const s = this.opt.storage;
    if (!s) return undefined;
    let id = s.getItem(this.opt.clientKey);
    if (!id) { id = randomId(); s.setItem(this.opt.clientKey, id); }
    return id;
  }

  // -- events: state ({state, code, reason}), connected (welcome), message,
  //    error (HeraldError from an error frame), disconnected ({code, reason}).
  on(name, fn) {
    if (!this.#listeners.has(name)) this.#listeners.set(name, new Set());
    this.#listeners.get(name).add(fn);
    return () => this.off(name, fn);
  }
  off(name, fn) { this.#listeners.get(name)?.delete(fn); }
  #emit(name, value) {
    for (const fn of [...(this.#listeners.get(name) || [])]) {
      try { fn(value); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  }
  #setState(state, extra = {}) {
    this.state = state;
    this.#emit('state', { state, ...extra });
  }

  // Opens the connection (again); resolves once welcomed. Later drops are
  // repaired by itself until close().
  connect() {
    this.#closedByApp = false;
    if (this.state === 'connected') return Promise.resolve(this.session);
    const p = new Promise((resolve, reject) => this.#connectWaiters.push({ resolve, reject }));
    if (this.state !== 'connecting') this.#open();
    return p;
  }

  async #open() {
    clearTimeout(this.#timer);
    this.#setState('connecting');
    try {
      if (this.opt.getToken && (!this.#token || this.#refused)) {
        this.#token = await this.opt.getToken();
        this.#refused = false;
      }
    } catch (e) {
      return this.#dropped(1006, 'getToken failed: ' + (e && e.message));
    }
    if (this.#closedByApp) return;
    let q = `ns=${encodeURIComponent(this.opt.ns)}&token=${encodeURIComponent(this.#token)}`;
    if (this.client) q += `&client=${encodeURIComponent(this.client)}`;
    if (this.opt.meta) q += `&meta=${encodeURIComponent(JSON.stringify(this.opt.meta))}`;
    let ws;
    try { ws = new this.WS(`${this.url}/v1/ws?${q}`); } catch (e) { return this.#dropped(1006, String(e && e.message)); }
    this.#ws = ws;
    let welcomed = false;
    ws.onmessage = (e) => {
      let f;
      try { f = JSON.parse(typeof e.data === 'string' ? e.data : String(e.data)); } catch { return; }
      if (f.type === 'welcome') { welcomed = true; return this.#welcomed(f); }
      this.#frame(f);
    };
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      // Refused before the upgrade (a browser sees only 1006): the token may
      // be the reason; with getToken the next attempt fetches a new one.
      if (!welcomed) this.#refused = true;
      this.#dropped(e.code || 1006, e.reason || '');
    };
    ws.onerror = () => {};
  }

  #welcomed(w) {
    this.#attempt = 0;
    this.session = w;
    this.#setState('connected', { session: w.session });
    this.#emit('connected', w);
    for (const c of this.#connectWaiters.splice(0)) c.resolve(w);
    this.#scheduleRefresh();
    // Every room again, from where it was left: retained messages since
    // then come first (docs/protocol.md, join with since).
    // A room where nothing was seen yet is asked for all it kept ("*" is
    // no message id), and what came before the join is dropped by its ts.
    if (this.rooms.size > 0) {
      const rooms = [...this.rooms.keys()];
      const since = {};
      for (const [r, id] of this.rooms) since[r] = id || '*';
      this.request({ type: 'join', rooms, since }).catch((e) => this.#emit('error', e));
    }
  }

  #dropped(code, reason) {
    clearTimeout(this.#refreshTimer);
    for (const [, p] of this.#pending) { clearTimeout(p.timer); p.reject(new HeraldError('unavailable', `disconnected (${code})`)); }
    this.#pending.clear();
    if (code === 4001) this.#refused = true;  // token expired: fetch a new one
    this.#setState('disconnected', { code, reason });
    this.#emit('disconnected', { code, reason });
    // An expired token with no way to get another: reconnecting cannot help.
    if (this.#closedByApp || FINAL.has(code) || (code === 4001 && !this.opt.getToken)) {
      for (const c of this.#connectWaiters.splice(0)) c.reject(new HeraldError('unavailable', `closed (${code}) ${reason}`));
      return;
    }
    const r = this.opt.reconnect;
    const base = Math.min(r.max, r.min * Math.pow(r.factor, this.#attempt++));
    const delay = base * (1 - r.jitter + Math.random() * r.jitter * 2);
    this.#timer = setTimeout(() => this.#open(), Math.max(0, delay));
  }

  #frame(f) {
    if (f.type === 'message') return this.#message(f);
    if (f.type === 'reply') {
      const p = this.#pending.get(f.id);
      if (!p) return;
      this.#pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.ok) p.resolve(f);
      else p.reject(new HeraldError(f.error?.code || 'internal', f.error?.message));
      return;
    }
    if (f.type === 'error') return this.#emit('error', new HeraldError(f.error?.code, f.error?.message));
    this.#emit(f.type, f);  // presence, pong
  }

  #message(m) {
    if (m.room && this.#joinedAt.has(m.room)) {
      if (m.ts < this.#joinedAt.get(m.room)) return;  // retained from before this client joined
      this.#joinedAt.delete(m.room);
    }
    if (m.room && this.rooms.has(m.room)) this.rooms.set(m.room, m.id);
    if (this.#seen.has(m.id)) {
      if (this.opt.autoAck) this.ack(m.id);  // delivered again: it was not acked in time
      return;
    }
    this.#seen.add(m.id);
    this.#seenOrder.push(m.id);
    while (this.#seenOrder.length > this.opt.dedupe) this.#seen.delete(this.#seenOrder.shift());
    this.#emit('message', m);
    if (this.opt.autoAck) this.ack(m.id);
  }

  // -- requests ------------------------------------------------------------

  // Sends a frame with an id; resolves with its reply, rejects with a
  // HeraldError (herald's code, or `timeout` / `unavailable`).
  request(frame, timeout = this.opt.requestTimeout) {
    if (this.state !== 'connected' || !this.#ws) return Promise.reject(new HeraldError('unavailable', 'not connected'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new HeraldError('timeout', `no reply within ${timeout} ms`));
      }, timeout);
      this.#pending.set(id, { resolve, reject, timer });
      this.#ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  // Joins rooms; `since` (room -> message id) replays what came after it.
  async join(rooms, { since } = {}) {
    rooms = [].concat(rooms);
    const s = { ...(since || {}) };
    for (const r of rooms) if (!(r in s) && this.rooms.get(r)) s[r] = this.rooms.get(r);
    const reply = await this.request({ type: 'join', rooms, ...(Object.keys(s).length ? { since: s } : {}) });
    for (const r of rooms)
      if (!this.rooms.has(r)) {
        this.rooms.set(r, s[r]);
        if (!s[r] && typeof reply.ts === 'number') this.#joinedAt.set(r, reply.ts);
      }
    return reply;
  }

  async leave(rooms) {
    rooms = [].concat(rooms);
    for (const r of rooms) { this.rooms.delete(r); this.#joinedAt.delete(r); }
    return this.request({ type: 'leave', rooms });
  }

  // Publishes as this user (when the namespace allows it); resolves with the
  // message id. `ttl`: seconds a message to users waits for their offline
  // devices (0: live only, as for a typing indicator); default the namespace's.
  async publish(to, data, { ttl } = {}) {
    const reply = await this.request({ type: 'publish', to, data, ...(ttl !== undefined ? { ttl } : {}) });
    return reply.message;
  }

  // Acks ids (batched per turn); with autoAck the client does it itself.
  ack(...ids) {
    this.#acks.push(...ids.flat());
    if (this.#ackTimer) return;
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = undefined;
      const ids = this.#acks.splice(0);
      if (ids.length && this.#ws && this.state === 'connected') this.#ws.send(JSON.stringify({ type: 'ack', ids }));
    }, 0);
  }

  // A newer token for the session (docs/protocol.md, refresh).
  async refresh(token) {
    const reply = await this.request({ type: 'refresh', token });
    this.#token = token;
    this.#scheduleRefresh();
    return reply;
  }

  #scheduleRefresh() {
    clearTimeout(this.#refreshTimer);
    if (!this.opt.getToken) return;
    const exp = tokenExpiry(this.#token);
    if (!exp) return;
    const wait = Math.max(0, exp * 1000 - Date.now() - this.opt.refreshBefore * 1000);
    this.#refreshTimer = setTimeout(async () => {
      try { await this.refresh(await this.opt.getToken()); } catch (e) { this.#emit('error', e); }
    }, wait);
  }

  // Ends the connection for good (until connect() again).
  close() {
    this.#closedByApp = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#refreshTimer);
    const ws = this.#ws;
    if (ws) ws.close(1000);
    else if (this.state !== 'disconnected') this.#dropped(1000, 'closed by the app');
  }
}
