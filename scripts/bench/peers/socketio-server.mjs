// The Socket.IO 4 peer for herald-bench: WebSocket transport only; a socket
// joins the room named in its handshake query (?room=) and a room named
// after its user (?user=), for point-to-point. POST /push {"room","data"}
// emits "m" with data to that room and answers {"ok":true}.
// Usage: node socketio-server.mjs PORT
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] || 18090);
const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/push') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    let msg;
    try { msg = JSON.parse(body); } catch { res.writeHead(400).end('{"error":"bad json"}'); return; }
    if (typeof msg.room !== 'string') { res.writeHead(400).end('{"error":"room required"}'); return; }
    io.to(msg.room).emit('m', msg.data);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  const { room, user } = socket.handshake.query;
  if (typeof room === 'string' && room) socket.join(room);
  if (typeof user === 'string' && user) socket.join(user);
});
http.listen(port, '127.0.0.1', () => console.log(`socket.io peer on 127.0.0.1:${port}, pid ${process.pid}`));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { io.close(); process.exit(0); });
