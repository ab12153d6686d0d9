#pragma once
// HS256 JWTs signed with the namespace secret: `sub` is the user id
// (required), `exp` is honoured when present.
#include <cstdint>
#include <string>
#include <vector>

#include "actors/errors.hpp"
#include "actors/room_access.hpp"

namespace herald::token {

// ttl_seconds <= 0 mints a token without `exp`.
std::string mint(const std::string& secret, const std::string& user, int64_t ttl_seconds);
// The same with claims `rooms` and `publish` (for `herald token --rooms`).
std::string mint(const std::string& secret, const std::string& user, int64_t ttl_seconds,
                 const std::vector<std::string>& rooms, const std::vector<std::string>& publish);
// What a valid token says: its user, when it expires (ms since the epoch;
// 0 when it has no `exp`), and the rooms it grants (claims `rooms` and
// `publish`: arrays of room names or prefixes ending in '*').
struct claims {
  std::string user;
  int64_t expires_ms = 0;
  room_grants grants;
};
result<claims> verify_claims(const std::string& token, const std::string& secret);
// With any of `secrets` (a rotation's current and previous one): the first
// that verifies, else the reason the first one refused.
result<claims> verify_claims(const std::string& token, const std::vector<std::string>& secrets);
// The user id, or errc::unauthorized with the reason.
result<std::string> verify(const std::string& token, const std::string& secret);

}  // namespace herald::token
