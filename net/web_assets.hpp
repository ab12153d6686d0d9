#pragma once
// herald's own pages and their assets (apps/web, apps/sdk-js, and what
// apps/web takes from npm), embedded in the binary at build time by
// apps/web/embed.cmake: a node serves them without files beside it, and
// no page loads anything from a CDN.
#include <string_view>

namespace herald {

struct web_asset {
  std::string_view url;           // "/demo", "/sdk/herald.js", ...
  std::string_view content_type;  // all text, UTF-8
  std::string_view etag;          // quoted: a hash of the bytes
  std::string_view body;
};

// The asset served at `url`, or null.
const web_asset* find_web_asset(std::string_view url);

}  // namespace herald
