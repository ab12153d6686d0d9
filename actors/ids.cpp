#include "actors/ids.hpp"

#include <chrono>
#include <cstdio>

namespace herald {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

id_source::id_source(std::string_view node_name) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : node_name) h = (h ^ c) * 16777619u;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", h & 0xffffffu);
  tag_ = buf;
  tag_bits_ = h & 0xffffffu;
}

namespace {
// Lower-case hex of v, at least `width` digits, written backwards ending at `end`.
char* put_hex(char* end, uint64_t v, int width) {
  static const char digits[] = "0123456789abcdef";
  int n = 0;
  do {
    *--end = digits[v & 0xf];
    v >>= 4;
    ++n;
  } while (v != 0 || n < width);
  return end;
}
}  // namespace

std::string format_id(uint64_t ms, std::string_view tag, uint64_t seq) {
  char time_buf[16], seq_buf[16];
  auto* t = put_hex(time_buf + sizeof time_buf, ms, 11);
  auto* q = put_hex(seq_buf + sizeof seq_buf, seq, 1);
  std::string id;
  id.reserve(static_cast<size_t>(time_buf + sizeof time_buf - t) + tag.size() + static_cast<size_t>(seq_buf + sizeof seq_buf - q) + 2);
  id.append(t, time_buf + sizeof time_buf);
  id += '-';
  id.append(tag);
  id += '-';
  id.append(q, seq_buf + sizeof seq_buf);
  return id;
}

std::string format_session_id(uint32_t tag, uint64_t ms, uint64_t seq) {
  static const char abc[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
  constexpr uint64_t epoch = 1704067200000;  // 2024-01-01 in ms
  const uint64_t t = (ms - epoch) & ((uint64_t{1} << 40) - 1);
  // The 84 bits tag(24) | t(40) | seq(20), cut where the digits fall:
  // the first 60 bits are 10 digits, the last 24 four.
  const uint64_t hi = (uint64_t{tag & 0xffffffu} << 36) | (t >> 4);
  const uint64_t lo = ((t & 0xf) << 20) | (seq & 0xfffff);
  char out[15];
  out[0] = 's';
  for (int i = 0; i < 10; ++i) out[1 + i] = abc[(hi >> (54 - 6 * i)) & 63];
  for (int i = 0; i < 4; ++i) out[11 + i] = abc[(lo >> (18 - 6 * i)) & 63];
  return std::string(out, sizeof out);
}

std::string id_source::next_session() {
  return format_session_id(tag_bits_, static_cast<uint64_t>(now_ms()), seq_.fetch_add(1, std::memory_order_relaxed));
}

std::string id_source::next() {
  return format_id(static_cast<uint64_t>(now_ms()), tag_, seq_.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace herald
