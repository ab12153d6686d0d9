// The checks of a namespace's settings that need no store: the config file
// (apps/config.cpp, which links herald_core only) and the admin API share them.
#include "actors/names.hpp"
#include "actors/namespace_catalog.hpp"

namespace herald {

status namespace_settings::check(const std::vector<std::string>& hook_hosts) const {
  if (!subscribe_url.empty()) {
    auto u = parse_http_url(subscribe_url);
    if (!u) return error{errc::bad_request, "subscribe_url must be an http:// URL without user info or fragment"};
    if (!host_allowed(u->host, hook_hosts))
      return error{errc::bad_request, "subscribe_url's host " + u->host + " is not in [node] hook_hosts"};
  }
  if (rooms == room_policy::callback && subscribe_url.empty())
    return error{errc::bad_request, "room_policy callback needs a subscribe_url"};
  return ok();
}

}  // namespace herald
