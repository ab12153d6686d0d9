#pragma once
// Validation of the names the contract defines (namespace, user, device,
// room), and of the host:port addresses in the configuration.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald {

// [a-z0-9_-]{1,64}
bool valid_namespace_name(std::string_view s);
// 1..128 bytes of UTF-8 without control characters: users, devices, rooms.
bool valid_id(std::string_view s);

struct host_port {
  std::string host;  // without IPv6 brackets; may be empty (any address)
  uint16_t port = 0;
};
// "host:port" (the last ':' splits; "[::1]:80" works); nullopt unless the
// port is all digits and within 0..65535.
std::optional<host_port> parse_host_port(std::string_view s);

// An http:// URL a callback goes to: host, port (80 when absent) and the
// request target (path and query, "/" when absent). nullopt for anything
// else: another scheme, user info, a fragment, spaces or control bytes.
struct http_url {
  bool tls = false;  // https://
  std::string host;
  uint16_t port = 80;
  std::string target;
};
std::optional<http_url> parse_http_url(std::string_view s);
// 127.0.0.0/8, ::1 or localhost (an empty host, any address, is not).
bool is_loopback_host(std::string_view host);
// `host` is one of `allowed` (case-insensitive; "[::1]" and "::1" alike).
bool host_allowed(std::string_view host, const std::vector<std::string>& allowed);

}  // namespace herald
