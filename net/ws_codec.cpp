#include "net/ws_codec.hpp"

#include <cctype>
#include <cstring>

#include <openssl/evp.h>

#include "actors/errors.hpp"

namespace herald::ws {

std::string accept_key(std::string_view client_key) {
  std::string in(client_key);
  in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(in.data(), in.size(), digest, &len, EVP_sha1(), nullptr);
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, digest, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

bool valid_client_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (auto c : key.substr(0, 22))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
  return true;
}

size_t frame_header(uint8_t op, uint64_t n, uint8_t* out) {
  out[0] = static_cast<uint8_t>(0x80 | op);
  if (n < 126) {
    out[1] = static_cast<uint8_t>(n);
    return 2;
  }
  if (n <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(n >> 8);
    out[3] = static_cast<uint8_t>(n);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return 10;
}

std::string control_frame(uint8_t op, std::string_view payload) {
  payload = payload.substr(0, 125);
  uint8_t h[max_header];
  auto hn = frame_header(op, payload.size(), h);
  std::string out(reinterpret_cast<char*>(h), hn);
  out.append(payload);
  return out;
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  // Cut on a character boundary so the reason stays valid UTF-8.
  reason = reason.substr(0, 123);
  while (!reason.empty() && !valid_utf8(reason)) reason.remove_suffix(1);
  out.append(reason);
  return out;
}

bool valid_utf8(std::string_view s) {
  auto p = reinterpret_cast<const unsigned char*>(s.data());
  auto end = p + s.size();
  while (p < end) {
    // ASCII runs, 8 bytes at a time.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    unsigned min;
    if ((c & 0xE0) == 0xC0) n = 1, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, min = 0x10000, c &= 0x07;
    else return false;
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      c = (c << 6) | (p[i] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

namespace {

void unmask(char* p, size_t n, const uint8_t key[4]) {
  uint64_t k8;
  uint8_t k[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  std::memcpy(&k8, k, 8);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= k8;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

bool valid_close_code(uint16_t c) {
  if (c >= 3000 && c <= 4999) return true;
  return c >= 1000 && c <= 1014 && c != 1004 && c != 1005 && c != 1006;
}

}  // namespace

void reader::fail(uint16_t code, std::string why, std::vector<event>& out) {
  failed_ = true;
  pending_.clear();
  pending_.shrink_to_fit();
  message_.clear();
  message_.shrink_to_fit();
  out.push_back(event{event::error, std::move(why), code});
}

void reader::feed(const char* p, size_t n, std::vector<event>& out) {
  if (failed_) return;
  if (!pending_.empty()) {
    pending_.append(p, n);
    size_t used = 0;
    while (!failed_) {
      auto k = one_frame(pending_.data() + used, pending_.size() - used, out);
      if (k == 0) break;
      used += k;
    }
    if (failed_) return;
    pending_.erase(0, used);
    if (pending_.empty()) pending_.shrink_to_fit();
    return;
  }
  size_t used = 0;
  while (!failed_ && used < n) {
    auto k = one_frame(p + used, n - used, out);
    if (k == 0) break;
    used += k;
  }
  if (!failed_ && used < n) pending_.assign(p + used, n - used);
}

size_t reader::one_frame(const char* p, size_t n, std::vector<event>& out) {
  if (n < 2) return 0;
  auto b0 = static_cast<uint8_t>(p[0]), b1 = static_cast<uint8_t>(p[1]);
  bool fin = b0 & 0x80;
  uint8_t op = b0 & 0x0F;
  if (b0 & 0x70) return fail(close_code::protocol_error, "reserved bits set (no extension was negotiated)", out), 0;
  if (!(b1 & 0x80)) return fail(close_code::protocol_error, "client frames must be masked", out), 0;
  bool control = op & 0x08;
  if (op != op_continuation && op != op_text && op != op_binary && op != op_close && op != op_ping && op != op_pong)
    return fail(close_code::protocol_error, "unknown opcode", out), 0;
  uint64_t len = b1 & 0x7F;
  size_t at = 2;
  if (len == 126) {
    if (n < 4) return 0;
    len = (uint64_t{static_cast<uint8_t>(p[2])} << 8) | static_cast<uint8_t>(p[3]);
    at = 4;
  } else if (len == 127) {
    if (n < 10) return 0;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(p[2 + i]);
    if (len >> 63) return fail(close_code::protocol_error, "frame length out of range", out), 0;
    at = 10;
  }
  if (control && (!fin || len > 125)) return fail(close_code::protocol_error, "control frames must be final and at most 125 bytes", out), 0;
  if (!control) {
    if (op == op_continuation && !in_message_) return fail(close_code::protocol_error, "continuation without a message", out), 0;
    if (op != op_continuation && in_message_) return fail(close_code::protocol_error, "new message before the last one ended", out), 0;
    // Refused by its header: a too-big message is never buffered.
    if (message_.size() + len > max_)
      return fail(close_code::too_big, "message larger than " + std::to_string(max_) + " bytes", out), 0;
  }
  if (n < at + 4 + len) return 0;
  uint8_t key[4];
  std::memcpy(key, p + at, 4);
  at += 4;
  std::string payload(p + at, static_cast<size_t>(len));
  unmask(payload.data(), payload.size(), key);
  size_t used = at + static_cast<size_t>(len);

  if (control) {
    if (op == op_ping) out.push_back(event{event::ping, std::move(payload), 0});
    else if (op == op_pong) out.push_back(event{event::pong, std::move(payload), 0});
    else {
      if (payload.size() == 1) return fail(close_code::protocol_error, "close frame with a one-byte payload", out), 0;
      uint16_t code = 1005;
      std::string reason;
      if (payload.size() >= 2) {
        code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]));
        if (!valid_close_code(code)) return fail(close_code::protocol_error, "invalid close code", out), 0;
        reason = payload.substr(2);
        if (!valid_utf8(reason)) return fail(close_code::invalid_data, "close reason is not UTF-8", out), 0;
      }
      out.push_back(event{event::close, std::move(reason), code});
    }
    return used;
  }
  if (op != op_continuation) message_op_ = op;
  if (fin && !in_message_) {
    // The common case: a whole message in one frame, no copy into message_.
    if (message_op_ == op_text && !valid_utf8(payload)) return fail(close_code::invalid_data, "text is not valid UTF-8", out), 0;
    out.push_back(event{message_op_ == op_text ? event::text : event::binary, std::move(payload), 0});
    return used;
  }
  in_message_ = true;
  message_.append(payload);
  if (fin) {
    in_message_ = false;
    std::string msg;
    msg.swap(message_);
    if (message_op_ == op_text && !valid_utf8(msg)) return fail(close_code::invalid_data, "text is not valid UTF-8", out), 0;
    out.push_back(event{message_op_ == op_text ? event::text : event::binary, std::move(msg), 0});
  }
  return used;
}

}  // namespace herald::ws
