// The checks of a namespace's settings that need no store: the config file
// (apps/config.cpp, which links herald_core only) and the admin API share them.
#include "actors/names.hpp"
#include "actors/namespace_catalog.hpp"

namespace herald {

status namespace_settings::check(const std::vector<std::string>& hook_hosts) const {
  if (!subscribe_url.empty()) {
    auto u = parse_http_url(subscribe_url);
    if (!u) return error{errc::bad_request, "subscribe_url must be an http:// or https:// URL without user info or fragment"};
    if (!host_allowed(u->host, hook_hosts))
      return error{errc::bad_request, "subscribe_url's host " + u->host + " is not in [node] hook_hosts"};
  }
  if (!webhook_url.empty()) {
    auto u = parse_http_url(webhook_url);
    if (!u) return error{errc::bad_request, "webhook_url must be an http:// or https:// URL without user info or fragment"};
    if (!host_allowed(u->host, hook_hosts))
      return error{errc::bad_request, "webhook_url's host " + u->host + " is not in [node] hook_hosts"};
  }
  if (!auth_url.empty()) {
    auto u = parse_http_url(auth_url);
    if (!u) return error{errc::bad_request, "auth_url must be an http:// or https:// URL without user info or fragment"};
    if (!host_allowed(u->host, hook_hosts))
      return error{errc::bad_request, "auth_url's host " + u->host + " is not in [node] hook_hosts"};
  }
  if (webhook_secret.size() > 256) return error{errc::bad_request, "webhook_secret is longer than 256 bytes"};
  if (rooms == room_policy::callback && subscribe_url.empty())
    return error{errc::bad_request, "room_policy callback needs a subscribe_url"};
  return ok();
}

namespace {
constexpr const char* hook_names[] = {"connect", "disconnect", "online", "offline", "join", "leave", "undelivered"};
}

const char* to_string(hook_kind k) { return hook_names[static_cast<uint32_t>(k)]; }

std::optional<uint32_t> parse_hook_kinds(std::string_view list) {
  uint32_t bits = 0;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty()) continue;
    if (item == "all") {
      bits |= all_hook_kinds;
      continue;
    }
    bool known = false;
    for (uint32_t i = 0; i < 7; ++i)
      if (item == hook_names[i]) bits |= 1u << i, known = true;
    if (!known) return std::nullopt;
  }
  return bits;
}

std::string hook_kinds_text(uint32_t bits) {
  std::string out;
  for (uint32_t i = 0; i < 7; ++i)
    if (bits >> i & 1u) out += (out.empty() ? "" : ",") + std::string(hook_names[i]);
  return out;
}

}  // namespace herald
