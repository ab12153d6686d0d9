#include "net/token.hpp"

#include <cctype>
#include <chrono>
#include <optional>

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include "net/url.hpp"

namespace herald::token {

std::string mint(const std::string& secret, const std::string& user, int64_t ttl_seconds) {
  return mint(secret, user, ttl_seconds, {}, {});
}

std::string mint(const std::string& secret, const std::string& user, int64_t ttl_seconds,
                 const std::vector<std::string>& rooms, const std::vector<std::string>& publish) {
  using namespace jwt::params;
  jwt::jwt_object obj{algorithm("HS256"), jwt::params::secret(secret), payload({{"sub", user}})};
  auto now = std::chrono::system_clock::now();
  obj.add_claim("iat", now);
  if (ttl_seconds > 0) obj.add_claim("exp", now + std::chrono::seconds(ttl_seconds));
  if (!rooms.empty()) obj.add_claim("rooms", rooms);
  if (!publish.empty()) obj.add_claim("publish", publish);
  return obj.signature();
}

namespace {
// Claims `rooms` and `publish`: absent, or an array of 1..128-byte names
// (a trailing '*' makes a prefix); at most 1000 of them.
template <class Json>
result<std::optional<room_patterns>> room_claim(const Json& claims, const char* name) {
  auto c = claims.find(name);
  if (c == claims.end()) return std::optional<room_patterns>{};
  auto bad = error{errc::unauthorized, std::string("invalid token: claim \"") + name +
                                         "\" must be an array of at most 1000 room names or prefixes ending in *"};
  if (!c->is_array() || c->size() > 1000) return bad;
  std::vector<std::string> out;
  for (auto& v : *c) {
    if (!v.is_string() || !valid_id(v.template get_ref<const std::string&>())) return bad;
    out.push_back(v.template get<std::string>());
  }
  return std::optional<room_patterns>{room_patterns{std::move(out)}};
}
}  // namespace

result<std::string> verify(const std::string& token, const std::string& secret) {
  auto c = verify_claims(token, secret);
  if (!c) return c.err();
  return std::move(c.value().user);
}

result<claims> verify_claims(const std::string& token, const std::vector<std::string>& secrets) {
  std::optional<error> first;
  for (auto& s : secrets) {
    auto c = verify_claims(token, s);
    if (c) return c;
    if (!first) first = c.err();
  }
  return first ? *first : error{errc::unauthorized, "no secret to check the token with"};
}

result<claims> verify_claims(const std::string& token, const std::string& secret) {
  using namespace jwt::params;
  auto fail = [](std::string why) { return error{errc::unauthorized, "invalid token: " + why}; };
  if (token.empty()) return error{errc::unauthorized, "missing token"};
  // Three base64url segments, or the library never sees it: its base64
  // decoder shifts negative values on bytes outside the alphabet
  // (undefined behaviour; found by tests/fuzz/token.cpp).
  size_t dots = 0;
  for (unsigned char ch : token) {
    if (ch == '.') ++dots;
    else if (!std::isalnum(ch) && ch != '-' && ch != '_') return fail("not three base64url segments");
  }
  if (dots != 2 || token.size() > 8192) return fail("not three base64url segments");
  // The library reads exp and nbf as unsigned integers: a float out of that
  // range (9.999e22, -1.5) is undefined behaviour there (found by the fuzz
  // target). Read them first: whole seconds in [-2^53, 2^53], or refused.
  {
    auto a = token.find('.'), b = token.find('.', a + 1);
    std::string seg = token.substr(a + 1, b - a - 1);
    for (auto& ch : seg) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    seg.append((4 - seg.size() % 4) % 4, '=');
    auto raw = url::base64_decode(seg);
    if (!raw || !json_scan::valid(*raw)) return fail("claims are not JSON");
    auto claims = nlohmann::json::parse(*raw, nullptr, false);
    if (!claims.is_object()) return fail("claims are not a JSON object");
    for (const char* name : {"exp", "nbf"}) {
      auto c = claims.find(name);
      if (c == claims.end()) continue;
      if (!c->is_number_integer()) return fail(std::string("claim \"") + name + "\" must be whole seconds");
      auto v = c->is_number_unsigned() ? static_cast<double>(c->get<uint64_t>()) : static_cast<double>(c->get<int64_t>());
      if (v > 9007199254740992.0 || v < -9007199254740992.0) return fail(std::string("claim \"") + name + "\" is out of range");
    }
  }
  try {
    std::error_code ec;
    auto dec = jwt::decode(token, algorithms({"HS256"}), ec, jwt::params::secret(secret), jwt::params::verify(true));
    if (ec) return fail(ec.message());
    auto& claims = dec.payload().create_json_obj();
    // The library reads exp and nbf as unsigned: exp -1 would never expire.
    auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::optional<double> exp, nbf;
    for (auto [name, out] : {std::pair{"exp", &exp}, std::pair{"nbf", &nbf}}) {
      auto c = claims.find(name);
      if (c == claims.end()) continue;
      if (!c->is_number()) return fail(std::string("claim \"") + name + "\" must be a number of seconds");
      *out = c->template get<double>();
    }
    if (exp && *exp <= now) return fail("the token has expired");
    if (nbf && *nbf > now) return fail("the token is not valid yet");
    auto sub = claims.find("sub");
    if (sub == claims.end() || !sub->is_string()) return fail("claim \"sub\" (user id) is required");
    std::string user = sub->template get<std::string>();
    if (!valid_id(user)) return fail("\"sub\" must be 1..128 bytes without control characters");
    auto rooms = room_claim(claims, "rooms");
    if (!rooms) return rooms.err();
    auto publish = room_claim(claims, "publish");
    if (!publish) return publish.err();
    return token::claims{std::move(user), exp ? static_cast<int64_t>(*exp * 1000) : 0,
                         room_grants{std::move(rooms.value()), std::move(publish.value())}};
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace herald::token
