#include "storage/record.hpp"

#include <algorithm>

namespace herald::storage {

namespace {
void put64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xff);
}
bool get64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(8);
  return true;
}
void put_str(std::string& out, std::string_view s) {
  put64(out, s.size());
  out.append(s);
}
bool get_str(std::string_view& in, std::string& s) {
  uint64_t n;
  if (!get64(in, n) || in.size() < n) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}
constexpr char record_version = 1;
}  // namespace

std::string key2(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + b.size() + 1);
  k.append(a);
  k += '\0';
  k.append(b);
  return k;
}

std::string key3(std::string_view a, std::string_view b, std::string_view c) {
  auto k = key2(a, b);
  k += '\0';
  k.append(c);
  return k;
}

std::string key_seq(std::string_view a, std::string_view b, uint64_t seq) {
  auto k = prefix(a, b);
  put64(k, seq);
  return k;
}

std::string prefix(std::string_view a, std::string_view b) {
  auto k = key2(a, b);
  k += '\0';
  return k;
}

std::string prefix(std::string_view a) {
  std::string k(a);
  k += '\0';
  return k;
}

uint64_t seq_of(std::string_view key) {
  if (key.size() < 8) return 0;
  auto tail = key.substr(key.size() - 8);
  uint64_t v = 0;
  get64(tail, v);
  return v;
}

std::string encode(const record& r) {
  std::string out;
  out.reserve(48 + r.id.size() + r.from.size() + r.room.size() + r.data.size());
  out += record_version;
  put64(out, static_cast<uint64_t>(r.expires_at));
  put64(out, static_cast<uint64_t>(r.ts));
  put_str(out, r.id);
  put_str(out, r.from);
  put_str(out, r.room);
  put_str(out, r.data);
  return out;
}

std::optional<int64_t> expiry_of(std::string_view v) {
  if (v.empty() || v[0] != record_version) return std::nullopt;
  v.remove_prefix(1);
  uint64_t e;
  if (!get64(v, e)) return std::nullopt;
  return static_cast<int64_t>(e);
}

std::optional<record> decode_record(std::string_view v) {
  if (v.empty() || v[0] != record_version) return std::nullopt;
  v.remove_prefix(1);
  record r;
  uint64_t e, ts;
  if (!get64(v, e) || !get64(v, ts) || !get_str(v, r.id) || !get_str(v, r.from) ||
      !get_str(v, r.room) || !get_str(v, r.data) || !v.empty())
    return std::nullopt;
  r.expires_at = static_cast<int64_t>(e);
  r.ts = static_cast<int64_t>(ts);
  return r;
}

std::string encode(const cursor& c) {
  std::string out;
  put64(out, c.upto);
  put64(out, c.above.size());
  for (auto s : c.above) put64(out, s);
  return out;
}

std::optional<cursor> decode_cursor(std::string_view v) {
  cursor c;
  uint64_t n;
  if (!get64(v, c.upto) || !get64(v, n) || v.size() != n * 8) return std::nullopt;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t s;
    get64(v, s);
    c.above.insert(s);
  }
  return c;
}

std::string encode(const counts& c) {
  std::string out;
  put64(out, c.sent);
  put64(out, c.acked);
  return out;
}

std::optional<counts> decode_counts(std::string_view v) {
  counts c;
  if (v.size() != 16 || !get64(v, c.sent) || !get64(v, c.acked)) return std::nullopt;
  return c;
}

std::optional<int64_t> id_time(std::string_view id) {
  if (id.size() < 12 || id[11] != '-') return std::nullopt;
  int64_t t = 0;
  for (size_t i = 0; i < 11; ++i) {
    char c = id[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    t = t * 16 + d;
  }
  return t;
}

device_record merge(device_record base, const device_record& patch) {
  if (patch.first_seen && (!base.first_seen || patch.first_seen < base.first_seen)) base.first_seen = patch.first_seen;
  if (patch.last_connect && patch.last_connect >= base.last_connect) {
    base.last_connect = patch.last_connect;
    base.node = patch.node;
    base.remote = patch.remote;
    base.user_agent = patch.user_agent;
    if (!patch.meta.empty()) base.meta = patch.meta;  // a device may send it once
  }
  if (base.meta.empty()) base.meta = patch.meta;  // an older copy's meta beats none
  base.last_disconnect = std::max(base.last_disconnect, patch.last_disconnect);
  return base;
}

std::string encode(const device_record& d) {
  std::string out;
  out += record_version;
  put64(out, static_cast<uint64_t>(d.first_seen));
  put64(out, static_cast<uint64_t>(d.last_connect));
  put64(out, static_cast<uint64_t>(d.last_disconnect));
  put_str(out, d.node);
  put_str(out, d.remote);
  put_str(out, d.user_agent);
  put_str(out, d.meta);
  return out;
}

std::optional<device_record> decode_device(std::string_view v) {
  if (v.empty() || v[0] != record_version) return std::nullopt;
  v.remove_prefix(1);
  device_record d;
  uint64_t a, b, c;
  if (!get64(v, a) || !get64(v, b) || !get64(v, c)) return std::nullopt;
  d.first_seen = static_cast<int64_t>(a);
  d.last_connect = static_cast<int64_t>(b);
  d.last_disconnect = static_cast<int64_t>(c);
  if (!get_str(v, d.node) || !get_str(v, d.remote) || !get_str(v, d.user_agent) || !get_str(v, d.meta) || !v.empty())
    return std::nullopt;
  return d;
}

}  // namespace herald::storage
