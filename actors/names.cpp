#include "actors/names.hpp"

namespace herald {

bool valid_namespace_name(std::string_view s) {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

namespace {
// Decodes one UTF-8 sequence at s[i]; returns its length or 0 when invalid.
size_t utf8_len(std::string_view s, size_t i, uint32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n;
  if (b < 0x80) { cp = b; return 1; }
  if ((b >> 5) == 0x6) { n = 2; cp = b & 0x1f; }
  else if ((b >> 4) == 0xe) { n = 3; cp = b & 0x0f; }
  else if ((b >> 3) == 0x1e) { n = 4; cp = b & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 0x2) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}
}  // namespace

std::optional<host_port> parse_host_port(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto digits = s.substr(colon + 1);
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  uint32_t port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  auto host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host_port{std::string(host), static_cast<uint16_t>(port)};
}

std::optional<http_url> parse_http_url(std::string_view s) {
  constexpr std::string_view plain = "http://", secure = "https://";
  bool tls = s.substr(0, secure.size()) == secure;
  if (s.size() > 2048 || (!tls && s.substr(0, plain.size()) != plain)) return std::nullopt;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f || c == '#') return std::nullopt;
  auto rest = s.substr(tls ? secure.size() : plain.size());
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  http_url u;
  u.tls = tls;
  u.port = tls ? 443 : 80;
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target[0] == '?') u.target.insert(0, "/");
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  auto close = authority.rfind(']');
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    auto hp = parse_host_port(authority);
    if (!hp || hp->port == 0) return std::nullopt;
    u.host = hp->host;
    u.port = hp->port;
  } else {
    u.host = std::string(authority);
    if (u.host.size() >= 2 && u.host.front() == '[' && u.host.back() == ']') u.host = u.host.substr(1, u.host.size() - 2);
  }
  if (u.host.empty()) return std::nullopt;
  return u;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed) {
  auto lower = [](std::string_view x) {
    if (x.size() >= 2 && x.front() == '[' && x.back() == ']') x = x.substr(1, x.size() - 2);
    std::string out(x);
    for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
  };
  auto h = lower(host);
  for (auto& a : allowed)
    if (lower(a) == h) return true;
  return false;
}

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 128)
    return false;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    auto n = utf8_len(s, i, cp);
    if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
      return false;
    i += n;
  }
  return true;
}

}  // namespace herald
