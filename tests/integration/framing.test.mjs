// WebSocket framing as RFC 6455 has it, spoken byte by byte over a raw TCP
// socket: the upgrade answer, fragmented messages with a ping in between,
// the close handshake, and the close codes for broken frames.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { startNode, tokenFor, push } from './lib/herald.mjs';

let node;
before(async () => { node = await startNode({ args: ['--limits.max_frame=4096'] }); });
after(async () => { await node.stop(); });

// A masked client frame.
function frame(op, payload, { fin = true, mask = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const head = [(fin ? 0x80 : 0) | op];
  const m = mask ? 0x80 : 0;
  if (data.length < 126) head.push(m | data.length);
  else head.push(m | 126, data.length >> 8, data.length & 0xff);
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data.map((b, i) => b ^ key[i & 3]));
  return Buffer.concat([Buffer.from(head), key, masked]);
}

// A raw connection: sends bytes, parses server frames (unmasked) as they come.
class Raw {
  // `early`: bytes written in the same write as the upgrade request.
  static open(query, headers = {}, early = Buffer.alloc(0)) {
    return new Promise((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const sock = createConnection({ host: '127.0.0.1', port: node.port });
      const r = new Raw(sock, key);
      sock.once('error', reject);
      sock.on('connect', () => {
        const h = { Host: `127.0.0.1:${node.port}`, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', ...headers };
        const req = `GET /v1/ws?${query} HTTP/1.1\r\n${Object.entries(h).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
        sock.write(Buffer.concat([Buffer.from(req), early]));
      });
      r.ready = resolve;
      setTimeout(() => reject(new Error('no upgrade answer')), 5000);
    });
  }
  constructor(sock, key) {
    this.sock = sock;
    this.key = key;
    this.buf = Buffer.alloc(0);
    this.frames = [];
    this.waiters = [];
    this.head = null;
    this.ended = new Promise((res) => sock.on('close', res));
    sock.on('data', (d) => this.onData(d));
  }
  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    if (this.head === null) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.buf.subarray(0, end).toString();
      this.buf = this.buf.subarray(end + 4);
      this.ready(this);
    }
    for (;;) {
      if (this.buf.length < 2) return;
      const op = this.buf[0] & 0x0f;
      let len = this.buf[1] & 0x7f;
      let at = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); at = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); at = 10; }
      if (this.buf.length < at + len) return;
      const f = { op, fin: !!(this.buf[0] & 0x80), data: this.buf.subarray(at, at + len) };
      this.buf = this.buf.subarray(at + len);
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => !w(f));
    }
  }
  next(pred, timeout = 5000) {
    const seen = this.frames.find(pred);
    if (seen) { this.frames.splice(this.frames.indexOf(seen), 1); return Promise.resolve(seen); }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching frame; got ops ${this.frames.map((f) => f.op)}`)), timeout);
      this.waiters.push((f) => { if (!pred(f)) return false; clearTimeout(t); this.frames.splice(this.frames.indexOf(f), 1); resolve(f); return true; });
    });
  }
  json(pred = () => true) { return this.next((f) => f.op === 1 && pred(JSON.parse(f.data))).then((f) => JSON.parse(f.data)); }
  async closeCode() {
    const f = await this.next((x) => x.op === 8);
    return f.data.length >= 2 ? f.data.readUInt16BE(0) : 1005;
  }
}

const q = (user) => `ns=demo&token=${encodeURIComponent(tokenFor(user))}`;

test('the upgrade answer carries the RFC 6455 accept key; a bad version or key is refused', async () => {
  const r = await Raw.open(q('raw1'));
  assert.match(r.head, /^HTTP\/1\.1 101 /);
  const want = createHash('sha1').update(r.key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  assert.match(r.head, new RegExp(`Sec-WebSocket-Accept: ${want.replace(/[+/]/g, '\\$&')}`, 'i'));
  assert.equal((await r.json()).type, 'welcome');
  r.sock.destroy();
  for (const headers of [{ 'Sec-WebSocket-Version': '8' }, { 'Sec-WebSocket-Key': 'short' }]) {
    const bad = await Raw.open(q('raw1'), headers);
    assert.match(bad.head, /^HTTP\/1\.1 400 /);
    bad.sock.destroy();
  }
});

test('a message in fragments with a ping between them is one message; the ping gets its pong', async () => {
  const r = await Raw.open(q('raw2'));
  await r.json((f) => f.type === 'welcome');
  const text = JSON.stringify({ type: 'ping', id: 'frag' });
  r.sock.write(Buffer.concat([
    frame(1, text.slice(0, 5), { fin: false }),
    frame(9, 'hello?'),
    frame(0, text.slice(5, 12), { fin: false }),
    frame(0, text.slice(12), { fin: true }),
  ]));
  const pong = await r.next((f) => f.op === 10);
  assert.equal(pong.data.toString(), 'hello?');
  const reply = await r.json((f) => f.type === 'pong' || f.type === 'reply');
  assert.ok(reply.type === 'pong' || reply.ok === true);
  // Pushes come as single, final, unmasked text frames.
  const p = await push(node, { to: { users: ['raw2'] }, data: { n: 1 } });
  const m = await r.json((f) => f.type === 'message');
  assert.equal(m.id, p.json.id);
  r.sock.destroy();
});

test('frames sent with the upgrade request are handled after welcome, none lost', async () => {
  // They reach the session while it is still registering with its
  // namespace: they wait for it, so welcome is first and the join counts.
  const early = Buffer.concat([
    frame(1, JSON.stringify({ type: 'join', rooms: ['early-room'], id: 1 })),
    frame(1, JSON.stringify({ type: 'ack', ids: ['m-unknown'], id: 2 })),
    frame(1, JSON.stringify({ type: 'ping' })),
  ]);
  const r = await Raw.open(q('raw-early'), {}, early);
  const types = [];
  for (let i = 0; i < 4; i++) types.push(await r.json().then((f) => f.type + (f.id ? `:${f.id}` : '')));
  assert.equal(types[0], 'welcome', types.join(','));
  assert.deepEqual(types.slice(1).sort(), ['pong', 'reply:1', 'reply:2']);
  const p = await push(node, { to: { rooms: ['early-room'] }, data: 'x' });
  assert.equal(p.json.sessions, 1);
  assert.equal((await r.json((f) => f.type === 'message')).id, p.json.id);
  r.sock.destroy();
});

test('a client close is answered with the same code and the connection ends', async () => {
  const r = await Raw.open(q('raw3'));
  await r.json((f) => f.type === 'welcome');
  const payload = Buffer.alloc(2 + 3);
  payload.writeUInt16BE(1000, 0);
  payload.write('bye', 2);
  r.sock.write(frame(8, payload));
  assert.equal(await r.closeCode(), 1000);
  await r.ended;
});

test('broken frames close with 1002, invalid UTF-8 with 1007, too big with 1009', async () => {
  const cases = [
    [frame(1, '{"type":"ping"}', { mask: false }), 1002],               // clients must mask
    [Buffer.concat([frame(1, 'a', { fin: false }), frame(1, 'b')]), 1002], // new message inside one
    [frame(3, 'x'), 1002],                                               // reserved opcode
    [frame(1, Buffer.from([0x22, 0xc3, 0x28, 0x22])), 1007],            // not UTF-8
    [frame(1, 'x'.repeat(5000)), 1009],                                  // over limits.max_frame
  ];
  for (const [bytes, code] of cases) {
    const r = await Raw.open(q('raw4'));
    await r.json((f) => f.type === 'welcome');
    r.sock.write(bytes);
    assert.equal(await r.closeCode(), code, `close code for case ${code}`);
    await r.ended;
  }
});
