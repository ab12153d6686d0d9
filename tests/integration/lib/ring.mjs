// The placement function of cluster/ring.cpp, written again independently so
// tests can pick users homed on a given node (and so it cross-checks C++).
const M = (1n << 64n) - 1n;
function fnv(s) {
  let h = 1469598103934665603n;
  for (const b of Buffer.from(s, 'utf8')) { h ^= BigInt(b); h = (h * 1099511628211n) & M; }
  return h;
}
function mix(z) {
  z = (z + 0x9e3779b97f4a7c15n) & M;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
  return z ^ (z >> 31n);
}
export const hash64 = (s) => mix(fnv(s));
export function owner(nodes, key) {
  const k = hash64(key);
  let best, bestScore = -1n;
  for (const n of [...nodes].sort()) {
    const score = mix(hash64(n) ^ k);
    if (score > bestScore) { bestScore = score; best = n; }
  }
  return best;
}
export const userKey = (ns, user) => `${ns}\0u\0${user}`;
export const roomKey = (ns, room) => `${ns}\0r\0${room}`;
// A user name in `ns` whose home among `nodes` is `want`.
export function userHomedOn(nodes, want, prefix, ns = 'demo') {
  for (let i = 0; ; i++) if (owner(nodes, userKey(ns, `${prefix}${i}`)) === want) return `${prefix}${i}`;
}
export function roomHomedOn(nodes, want, prefix, ns = 'demo') {
  for (let i = 0; ; i++) if (owner(nodes, roomKey(ns, `${prefix}${i}`)) === want) return `${prefix}${i}`;
}
