#pragma once
// The one table of error codes (API bodies, reply/error frames) and the one
// table of WebSocket close codes. Everything user-visible names one of these.
// Header-only and free of CAF. storage/ reports its own failures
// (storage/result.hpp); from_store maps them here.
#include <cstdint>
#include <string>

#include "storage/result.hpp"

namespace herald {

enum class errc {
  bad_request,        // malformed input: JSON, field types, names
  bad_frame,          // a WebSocket frame that is not a valid client frame
  unknown_type,       // a frame whose "type" the server does not know
  unauthorized,       // missing / bad credentials or token
  forbidden,          // authenticated, but not allowed (e.g. client publish off)
  not_found,          // unknown namespace, route or message
  method_not_allowed, // route exists, method does not
  conflict,           // already exists
  too_large,          // body or frame over the configured limit
  too_many_rooms,     // session would exceed limits.max_rooms
  not_in_room,        // client publish to a room the session is not in
  rate_limited,       // over an admission limit: retry later (HTTP 429)
  unavailable,        // overloaded, shutting down, or a timeout inside
  store_unavailable,  // the node's store cannot read or write (disk full, I/O error, damage)
  internal,           // a bug
};

namespace detail {
struct errc_row {
  const char* name;
  int status;
};
// Index = errc value, in the order of the enum.
inline constexpr errc_row errc_table[] = {
  {"bad_request", 400},  {"bad_frame", 400},   {"unknown_type", 400},
  {"unauthorized", 401}, {"forbidden", 403},   {"not_found", 404},
  {"method_not_allowed", 405}, {"conflict", 409}, {"too_large", 413},
  {"too_many_rooms", 400}, {"not_in_room", 403}, {"rate_limited", 429}, {"unavailable", 503},
  {"store_unavailable", 503}, {"internal", 500},
};
static_assert(sizeof(errc_table) / sizeof(errc_table[0]) == static_cast<int>(errc::internal) + 1);
}  // namespace detail

// Wire name of the code ("bad_request", ...).
inline const char* code_name(errc e) { return detail::errc_table[static_cast<int>(e)].name; }
// HTTP status an API error with this code is answered with.
inline int http_status(errc e) { return detail::errc_table[static_cast<int>(e)].status; }

struct error {
  errc code;
  std::string message;
};

// Errors are values at module edges: result<T> holds either a T or an error.
template <class T>
using result = expected<T, error>;
using status = result<ok_t>;
inline status ok() { return ok_t{}; }

// Every store failure reaches callers as one code: the store, not the
// request, is at fault, and a client may retry later.
inline error from_store(const storage::failure& f) {
  if (f.kind == storage::fault::corrupt) return error{errc::store_unavailable, "store data is damaged: " + f.message};
  return error{errc::store_unavailable, "store: " + f.message};
}
inline status from_store(const storage::status& s) { return s ? ok() : status{from_store(s.err())}; }
template <class T>
result<T> from_store(storage::result<T>&& r) {
  if (!r) return from_store(r.err());
  return std::move(r.value());
}

// WebSocket close codes (RFC 6455 plus our 4000 range).
namespace close_code {
constexpr uint16_t normal = 1000;         // client or server ended normally
constexpr uint16_t going_away = 1001;     // server shutting down: reconnect elsewhere
constexpr uint16_t protocol_error = 1002; // broken WebSocket framing (unmasked, bad opcode, ...)
constexpr uint16_t invalid_data = 1007;   // text that is not UTF-8
constexpr uint16_t policy = 1008;         // protocol abuse: do not reconnect blindly
constexpr uint16_t too_big = 1009;        // frame over limits.max_frame
constexpr uint16_t try_again = 1013;      // too slow to keep up: reconnect with backoff
constexpr uint16_t api_disconnect = 4000; // disconnected through the HTTP API
constexpr uint16_t token_expired = 4001;  // the session's token expired and was not refreshed
constexpr uint16_t lost = 1006;           // never sent: the connection ended without a close frame
}  // namespace close_code

// What a close code says, for webhook events and logs.
inline const char* close_reason(uint16_t code) {
  switch (code) {
    case close_code::normal: return "normal";
    case close_code::going_away: return "going_away";
    case close_code::protocol_error: return "protocol_error";
    case close_code::lost: return "connection_lost";
    case close_code::invalid_data: return "invalid_data";
    case close_code::policy: return "policy";
    case close_code::too_big: return "too_big";
    case close_code::try_again: return "too_slow";
    case close_code::api_disconnect: return "api_disconnect";
    case close_code::token_expired: return "token_expired";
    default: return "closed";
  }
}

}  // namespace herald
