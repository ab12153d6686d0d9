#pragma once
// Cross-origin calls to the HTTP API ([node] cors_origins): which page
// origins a browser may let call it, and the headers that say so. Pure.
// The answer names the caller's origin rather than "*" so that a cache
// between them keys on it (Vary: Origin). Requests without an Origin (curl,
// business systems) are not affected: CORS is a browser's check.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

class cors_policy {
 public:
  cors_policy() = default;
  // Lower-case origins (scheme://host[:port]); "*" allows any; none: no
  // cross-origin call is allowed.
  explicit cors_policy(std::vector<std::string> origins) : origins_(std::move(origins)) {}

  bool enabled() const { return !origins_.empty(); }

  bool allows(std::string_view origin) const {
    if (origin.empty() || origins_.empty()) return false;
    auto o = lower(origin);
    return std::any_of(origins_.begin(), origins_.end(), [&](const std::string& a) { return a == "*" || a == o; });
  }

  // Header lines for an answer to a request from `origin` (none when it is
  // not allowed: the browser then hides the answer from the page).
  std::string answer_headers(std::string_view origin) const {
    if (!allows(origin)) return {};
    return "Access-Control-Allow-Origin: " + std::string(origin) +
           "\r\nVary: Origin\r\nAccess-Control-Expose-Headers: Retry-After\r\n";
  }

  // A preflight (OPTIONS with Access-Control-Request-Method) from an
  // allowed origin: the methods and headers the API takes, cached 10 min.
  std::string preflight_headers(std::string_view origin) const {
    if (!allows(origin)) return {};
    return answer_headers(origin) +
           "Access-Control-Allow-Methods: GET, POST, PATCH, DELETE\r\n"
           "Access-Control-Allow-Headers: Authorization, Content-Type\r\n"
           "Access-Control-Max-Age: 600\r\n";
  }

  static std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  }

 private:
  std::vector<std::string> origins_;
};

}  // namespace herald
