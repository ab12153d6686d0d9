#pragma once
// Validation of the names the contract defines (namespace, user, device,
// room), and of the host:port addresses in the configuration.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

}  // namespace herald
