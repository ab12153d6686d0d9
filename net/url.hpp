#pragma once
// Small pure helpers for request targets and headers.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::url {

// %XX decoding, and '+' as a space when plus_is_space (query strings, not
// paths); nullopt on a malformed escape.
std::optional<std::string> decode(std::string_view s, bool plus_is_space = true);
struct target {
  std::string path;                          // still encoded
  std::map<std::string, std::string> query;  // decoded; last value wins
  bool ok = true;                            // false on a malformed escape
};
target parse_target(std::string_view t);
// Path split on '/', each segment decoded; nullopt on a malformed escape.
std::optional<std::vector<std::string>> segments(std::string_view path);
// Standard base64 decoding; nullopt when not valid base64.
std::optional<std::string> base64_decode(std::string_view s);

}  // namespace herald::url
