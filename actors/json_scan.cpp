#include "actors/json_scan.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace herald::json_scan {

namespace {
using ptr = const char*;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
void skip_ws(ptr& p, ptr e) {
  while (p < e && is_ws(*p)) ++p;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
unsigned char byte(ptr p) { return static_cast<unsigned char>(*p); }

// nlohmann (as RFC 8259) accepts a UTF-8 byte order mark before the text.
void skip_bom(ptr& p, ptr e) {
  if (e - p >= 3 && byte(p) == 0xef && byte(p + 1) == 0xbb && byte(p + 2) == 0xbf) p += 3;
}

bool hex4(ptr p, ptr e, uint32_t& out) {
  if (e - p < 4) return false;
  out = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p[i];
    uint32_t d;
    if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<uint32_t>(c - 'A' + 10);
    else return false;
    out = out << 4 | d;
  }
  return true;
}

bool in(ptr p, ptr e, unsigned lo, unsigned hi) { return p < e && byte(p) >= lo && byte(p) <= hi; }

// Length of the well-formed UTF-8 sequence at p (RFC 3629 table 3-7), or 0.
size_t utf8_seq(ptr p, ptr e) {
  auto b = byte(p);
  if (b >= 0xc2 && b <= 0xdf) return in(p + 1, e, 0x80, 0xbf) ? 2 : 0;
  if (b == 0xe0) return in(p + 1, e, 0xa0, 0xbf) && in(p + 2, e, 0x80, 0xbf) ? 3 : 0;
  if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef)
    return in(p + 1, e, 0x80, 0xbf) && in(p + 2, e, 0x80, 0xbf) ? 3 : 0;
  if (b == 0xed) return in(p + 1, e, 0x80, 0x9f) && in(p + 2, e, 0x80, 0xbf) ? 3 : 0;
  if (b == 0xf0) return in(p + 1, e, 0x90, 0xbf) && in(p + 2, e, 0x80, 0xbf) && in(p + 3, e, 0x80, 0xbf) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3)
    return in(p + 1, e, 0x80, 0xbf) && in(p + 2, e, 0x80, 0xbf) && in(p + 3, e, 0x80, 0xbf) ? 4 : 0;
  if (b == 0xf4) return in(p + 1, e, 0x80, 0x8f) && in(p + 2, e, 0x80, 0xbf) && in(p + 3, e, 0x80, 0xbf) ? 4 : 0;
  return 0;
}

// p at the opening quote; the position after the closing one, or nullptr.
ptr scan_string(ptr p, ptr e) {
  ++p;
  while (p < e) {
    auto c = byte(p);
    if (c == '"') return p + 1;
    if (c < 0x20) return nullptr;
    if (c < 0x80 && c != '\\') {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      auto n = utf8_seq(p, e);
      if (n == 0) return nullptr;
      p += n;
      continue;
    }
    if (++p == e) return nullptr;  // after the backslash
    switch (*p) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        ++p;
        break;
      case 'u': {
        uint32_t u;
        if (!hex4(p + 1, e, u)) return nullptr;
        p += 5;
        if (u >= 0xdc00 && u <= 0xdfff) return nullptr;  // a low surrogate alone
        if (u >= 0xd800 && u <= 0xdbff) {                  // must pair with a low one
          uint32_t lo;
          if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, e, lo) || lo < 0xdc00 || lo > 0xdfff)
            return nullptr;
          p += 6;
        }
        break;
      }
      default:
        return nullptr;
    }
  }
  return nullptr;
}

// nlohmann rejects a number whose double is infinite ("1e400"); one that
// underflows to zero is accepted. Only floats and long integers can be out
// of range, so only they are converted.
bool finite(ptr b, ptr e) {
  double d;
  auto r = std::from_chars(b, e, d);
  if (r.ec != std::errc::result_out_of_range) return true;
  // Out of range: an overflow when the value's decimal exponent is positive.
  ptr p = b + (*b == '-');
  int64_t digits_before_point = 0, zeros_after_point = 0;
  bool nonzero_seen = false;
  for (; p < e && is_digit(*p); ++p) {
    if (nonzero_seen || *p != '0') {
      nonzero_seen = true;
      ++digits_before_point;
    }
  }
  if (p < e && *p == '.') {
    for (++p; p < e && is_digit(*p); ++p) {
      if (!nonzero_seen && *p == '0') ++zeros_after_point;
      else nonzero_seen = true;
    }
  }
  int64_t exp = 0;
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    bool neg = p < e && *p == '-';
    if (p < e && (*p == '+' || *p == '-')) ++p;
    for (; p < e && is_digit(*p); ++p) exp = std::min<int64_t>(exp * 10 + (*p - '0'), int64_t{1} << 40);
    if (neg) exp = -exp;
  }
  return (digits_before_point > 0 ? exp + digits_before_point : exp - zeros_after_point) <= 0;
}

ptr scan_number(ptr p, ptr e) {
  ptr b = p;
  bool is_float = false;
  if (p < e && *p == '-') ++p;
  if (p == e) return nullptr;
  if (*p == '0') ++p;
  else if (*p >= '1' && *p <= '9')
    while (p < e && is_digit(*p)) ++p;
  else
    return nullptr;
  if (p < e && *p == '.') {
    ++p;
    is_float = true;
    if (p == e || !is_digit(*p)) return nullptr;
    while (p < e && is_digit(*p)) ++p;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    is_float = true;
    if (p < e && (*p == '+' || *p == '-')) ++p;
    if (p == e || !is_digit(*p)) return nullptr;
    while (p < e && is_digit(*p)) ++p;
  }
  if ((is_float || p - b > 19) && !finite(b, p)) return nullptr;
  return p;
}

ptr scan_literal(ptr p, ptr e, std::string_view word) {
  if (static_cast<size_t>(e - p) < word.size() || std::string_view(p, word.size()) != word) return nullptr;
  return p + word.size();
}

// One value starting at p (no whitespace before it): the position after it,
// or nullptr. Iterative, so depth costs heap (one byte per level), not
// stack; deeper than max_depth is invalid, counting the `outer` levels the
// value is inside of.
ptr scan_value(ptr p, ptr e, size_t outer) {
  std::string open;  // '{' or '[' per level
  enum { want_value, want_key, after_value } state = want_value;
  for (;;) {
    if (state == want_value) {
      if (p == e) return nullptr;
      switch (*p) {
        case '{':
        case '[': {
          char close = *p == '{' ? '}' : ']';
          if (outer + open.size() >= max_depth) return nullptr;  // this one would be level max_depth + 1
          ++p;
          skip_ws(p, e);
          if (p < e && *p == close) {
            ++p;
            state = after_value;
          } else {
            open.push_back(close == '}' ? '{' : '[');
            state = close == '}' ? want_key : want_value;
          }
          continue;
        }
        case '"': p = scan_string(p, e); break;
        case 't': p = scan_literal(p, e, "true"); break;
        case 'f': p = scan_literal(p, e, "false"); break;
        case 'n': p = scan_literal(p, e, "null"); break;
        default: p = scan_number(p, e);
      }
      if (!p) return nullptr;
      state = after_value;
    } else if (state == want_key) {
      if (p == e || *p != '"') return nullptr;
      if (!(p = scan_string(p, e))) return nullptr;
      skip_ws(p, e);
      if (p == e || *p != ':') return nullptr;
      ++p;
      skip_ws(p, e);
      state = want_value;
    } else {
      if (open.empty()) return p;
      skip_ws(p, e);
      if (p == e) return nullptr;
      if (*p == ',') {
        ++p;
        skip_ws(p, e);
        state = open.back() == '{' ? want_key : want_value;
      } else if (*p == (open.back() == '{' ? '}' : ']')) {
        ++p;
        open.pop_back();
      } else {
        return nullptr;
      }
    }
  }
}

kind kind_of(char c) {
  switch (c) {
    case '{': return kind::object;
    case '[': return kind::array;
    case '"': return kind::string;
    case 't': case 'f': return kind::boolean;
    case 'n': return kind::null;
    default: return kind::number;
  }
}

// The value at p (after whitespace) inside `outer` levels, its end in `p`;
// nullopt when invalid.
std::optional<value> next_value(ptr& p, ptr e, size_t outer) {
  auto start = p;
  auto end = scan_value(p, e, outer);
  if (!end) return std::nullopt;
  p = end;
  return value{kind_of(*start), std::string_view(start, static_cast<size_t>(end - start))};
}

void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}
}  // namespace

bool valid(std::string_view text) {
  ptr p = text.data(), e = p + text.size();
  skip_bom(p, e);
  skip_ws(p, e);
  if (!next_value(p, e, 0)) return false;
  skip_ws(p, e);
  return p == e;
}

namespace {
// The items of one container that is all of `text` (whitespace aside):
// `item` reads one at p (after whitespace) and moves p past it.
template <class Item>
bool each_item(std::string_view text, char open, char close, Item item) {
  ptr p = text.data(), e = p + text.size();
  skip_bom(p, e);
  skip_ws(p, e);
  if (p == e || *p != open) return false;
  ++p;
  skip_ws(p, e);
  if (p < e && *p == close) {
    ++p;
  } else {
    for (;;) {
      if (!item(p, e)) return false;
      skip_ws(p, e);
      if (p == e) return false;
      if (*p == close) {
        ++p;
        break;
      }
      if (*p != ',') return false;
      ++p;
      skip_ws(p, e);
    }
  }
  skip_ws(p, e);
  return p == e;
}
}  // namespace

std::optional<std::vector<member>> object(std::string_view text) {
  std::vector<member> out;
  bool ok = each_item(text, '{', '}', [&](ptr& p, ptr e) {
    if (p == e || *p != '"') return false;
    auto key_end = scan_string(p, e);
    if (!key_end) return false;
    auto key = string(std::string_view(p, static_cast<size_t>(key_end - p)));
    p = key_end;
    skip_ws(p, e);
    if (p == e || *p != ':') return false;
    ++p;
    skip_ws(p, e);
    auto v = next_value(p, e, 1);
    if (!v) return false;
    out.push_back(member{std::move(key), *v});
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<value>> array(std::string_view text) {
  std::vector<value> out;
  bool ok = each_item(text, '[', ']', [&](ptr& p, ptr e) {
    auto v = next_value(p, e, 1);
    if (v) out.push_back(*v);
    return v.has_value();
  });
  if (!ok) return std::nullopt;
  return out;
}

const value* find(const std::vector<member>& members, std::string_view key) {
  for (auto i = members.rbegin(); i != members.rend(); ++i)
    if (i->key == key) return &i->v;
  return nullptr;
}

std::optional<std::vector<member>> object_of(const value* v) {
  if (!v || v->k != kind::object) return std::nullopt;
  return object(v->text);
}

std::optional<std::vector<value>> array_of(const value* v) {
  if (!v || v->k != kind::array) return std::nullopt;
  return array(v->text);
}

std::string string(std::string_view text) {
  std::string out;
  if (text.size() < 2) return out;
  ptr p = text.data() + 1, e = text.data() + text.size() - 1;
  out.reserve(text.size() - 2);
  while (p < e) {
    if (*p != '\\') {
      out += *p++;
      continue;
    }
    ++p;
    char c = *p++;
    switch (c) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t u = 0, lo = 0;
        hex4(p, e, u);
        p += 4;
        if (u >= 0xd800 && u <= 0xdbff && hex4(p + 2, e, lo)) {  // valid text: the low half follows
          u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        }
        put_utf8(out, u);
        break;
      }
      default: out += c;  // " \ /
    }
  }
  return out;
}

namespace {
// The value of a run of decimal digits, if it is one and stays within `limit`.
std::optional<uint64_t> digits(std::string_view text, uint64_t limit) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}
}  // namespace

std::optional<int64_t> integer(std::string_view text) {
  constexpr uint64_t min_magnitude = uint64_t{1} << 63;
  if (!text.empty() && text[0] == '-') {
    auto v = digits(text.substr(1), min_magnitude);
    if (!v) return std::nullopt;
    return *v == min_magnitude ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(*v);
  }
  auto v = digits(text, static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v);
}

std::optional<uint64_t> unsigned_integer(std::string_view text) {
  return digits(text, std::numeric_limits<uint64_t>::max());
}

std::string compact(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\') out += text[++i];
      else if (c == '"') in_string = false;
    } else if (!is_ws(c)) {
      out += c;
      in_string = c == '"';
    }
  }
  return out;
}

}  // namespace herald::json_scan
