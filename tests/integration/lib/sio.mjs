// socket.io-client (from npm, unmodified) against herald's Socket.IO endpoint.
import { io } from 'socket.io-client';
import { tokenFor } from './herald.mjs';

// Opens a Socket.IO socket to namespace `ns` and resolves once connected
// (rejects with the CONNECT_ERROR). `transports`: ['websocket'],
// ['polling'] (with upgrade: false) or the default (polling, then upgrade).
export function sioConnect(node, { ns = 'demo', user = 'u1', client, token, auth, query, transports, upgrade = true,
  path = '/socket.io/', url, reconnection = false, timeout = 5000, forceNew = true } = {}) {
  const a = auth ?? { token: token ?? tokenFor(user, ns), ...(client !== undefined ? { client } : {}) };
  const s = io(`${url ?? node.base}/${ns}`, { path, auth: a, query, transports, upgrade, reconnection, forceNew, timeout });
  s.got = [];
  s.onAny((event, ...args) => s.got.push({ event, args }));
  // Each handler goes with the other: a connect_error handler left behind
  // would close the socket at a later reconnection's first failed attempt
  // (the Manager's errors reach a disconnected socket as connect_error).
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { done(); s.close(); reject(new Error('no connect within ' + timeout + ' ms')); }, timeout + 500);
    const ok = () => { done(); resolve(s); };
    const fail = (e) => { done(); s.close(); reject(e); };
    const done = () => { clearTimeout(t); s.off('connect', ok); s.off('connect_error', fail); };
    s.once('connect', ok);
    s.once('connect_error', fail);
  });
}

// The next event `name` (already received or coming) matching pred.
export function sioNext(s, name, pred = () => true, timeout = 5000) {
  const i = s.got.findIndex((g) => g.event === name && pred(g.args[0]));
  if (i >= 0) return Promise.resolve(s.got.splice(i, 1)[0].args[0]);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { s.offAny(h); reject(new Error(`no ${name} within ${timeout} ms; got ${JSON.stringify(s.got).slice(0, 400)}`)); }, timeout);
    const h = (event, ...args) => {
      if (event !== name || !pred(args[0])) return;
      clearTimeout(t);
      s.offAny(h);
      const j = s.got.findIndex((g) => g.args[0] === args[0]);
      if (j >= 0) s.got.splice(j, 1);
      resolve(args[0]);
    };
    s.onAny(h);
  });
}

// emit with an acknowledgement, bounded.
export const sioCall = (s, event, arg, timeout = 5000) => s.timeout(timeout).emitWithAck(event, arg);
