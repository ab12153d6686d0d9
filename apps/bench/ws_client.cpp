#include "apps/bench/ws_client.hpp"

namespace herald::bench::ws {

std::string upgrade_request(std::string_view host, std::string_view target) {
  std::string r;
  r.reserve(200 + host.size() + target.size());
  r.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append(
    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\nUser-Agent: herald-bench\r\n\r\n");
  return r;
}

size_t head_length(std::string_view buf) {
  auto end = buf.find("\r\n\r\n");
  return end == std::string_view::npos ? 0 : end + 4;
}

bool switched(std::string_view head) {
  return head.rfind("HTTP/1.1 101", 0) == 0 || head.rfind("HTTP/1.0 101", 0) == 0;
}

std::string client_frame(opcode op, std::string_view payload) {
  // Any key will do on loopback; a fixed one keeps the bench deterministic.
  static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::string f;
  f.reserve(payload.size() + 14);
  f += static_cast<char>(0x80 | op);
  auto n = payload.size();
  if (n < 126) {
    f += static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  }
  f.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < n; ++i) f += static_cast<char>(payload[i] ^ key[i & 3]);
  return f;
}

long reader::next(std::string_view in, frame& f) {
  if (in.size() < 2) return 0;
  auto b0 = static_cast<uint8_t>(in[0]), b1 = static_cast<uint8_t>(in[1]);
  if (b0 & 0x70) return -1;  // RSV bits: no extension was negotiated
  if (b1 & 0x80) return -1;  // servers do not mask
  f.fin = b0 & 0x80;
  f.op = b0 & 0x0f;
  if ((f.op > binary && f.op < close) || f.op > pong) return -1;
  uint64_t len = b1 & 0x7f;
  size_t at = 2;
  if (len == 126 || len == 127) {
    size_t bytes = len == 126 ? 2 : 8;
    if (in.size() < at + bytes) return 0;
    len = 0;
    for (size_t i = 0; i < bytes; ++i) len = len << 8 | static_cast<uint8_t>(in[at + i]);
    at += bytes;
  }
  if (f.op >= close && (len > 125 || !f.fin)) return -1;
  if (len > max_size) return -1;
  if (in.size() < at + len) return 0;
  f.payload = in.substr(at, static_cast<size_t>(len));
  return static_cast<long>(at + len);
}

}  // namespace herald::bench::ws
