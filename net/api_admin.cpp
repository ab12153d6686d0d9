// The admin API: namespaces (create, list, change, delete, rotate a secret).
#include <tuple>  // structured bindings of the namespace fields

#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include "net/admission.hpp"
#include "net/api_call.hpp"
#include "net/token.hpp"

namespace herald {

using json = nlohmann::json;
using api_detail::secret_equal;
using api_detail::starts_with;

namespace {

// What the admin API shows of a namespace (never its secrets).
json settings_json(const namespace_settings& ns) {
  return {{"name", ns.name},
          {"client_publish", ns.client_publish},
          {"message_ttl", ns.message_ttl},
          {"room_history", ns.room_history},
          {"secret_grace", ns.secret_grace},
          {"room_policy", to_string(ns.rooms)},
          {"subscribe_url", ns.subscribe_url.empty() ? json(nullptr) : json(ns.subscribe_url)},
          {"subscribe_cache", ns.subscribe_cache},
          {"subscribe_timeout", ns.subscribe_timeout},
          {"webhook_url", ns.webhook_url.empty() ? json(nullptr) : json(ns.webhook_url)},
          {"webhook_secret_set", !ns.webhook_secret.empty()},
          {"webhook_events", hook_kinds_text(ns.webhook_events)},
          {"webhook_timeout", ns.webhook_timeout},
          {"webhook_retry", ns.webhook_retry},
          {"webhook_queue", ns.webhook_queue},
          {"undelivered_after", ns.undelivered_after},
          {"undelivered_data", ns.undelivered_data},
          {"room_events", ns.room_events},
          {"auth_url", ns.auth_url.empty() ? json(nullptr) : json(ns.auth_url)},
          {"auth_cache", ns.auth_cache},
          {"auth_timeout", ns.auth_timeout},
          {"auth_fallback", ns.auth_fallback_token ? "token" : "deny"},
          {"socketio_events", ns.socketio_lightpush ? "lightpush" : "herald"}};
}

// The optional fields of a namespace in a create body, checked.
status read_settings(const json& j, namespace_settings& ns) {
  for (auto [field, dst] : {std::pair{"client_publish", &ns.client_publish},
                            std::pair{"undelivered_data", &ns.undelivered_data},
                            std::pair{"room_events", &ns.room_events}})
    if (auto v = j.find(field); v != j.end()) {
      if (!v->is_boolean()) return error{errc::bad_request, std::string("\"") + field + "\" must be a boolean"};
      *dst = v->get<bool>();
    }
  for (auto [field, dst, lo, max] :
       {std::tuple{"message_ttl", &ns.message_ttl, int64_t{0}, namespace_settings::max_message_ttl},
        std::tuple{"room_history", &ns.room_history, int64_t{0}, namespace_settings::max_room_history},
        std::tuple{"secret_grace", &ns.secret_grace, int64_t{0}, namespace_settings::max_secret_grace},
        std::tuple{"subscribe_cache", &ns.subscribe_cache, int64_t{0}, namespace_settings::max_subscribe_cache},
        std::tuple{"subscribe_timeout", &ns.subscribe_timeout, int64_t{1}, namespace_settings::max_subscribe_timeout},
        std::tuple{"webhook_timeout", &ns.webhook_timeout, int64_t{1}, namespace_settings::max_webhook_timeout},
        std::tuple{"webhook_retry", &ns.webhook_retry, int64_t{0}, namespace_settings::max_webhook_retry},
        std::tuple{"webhook_queue", &ns.webhook_queue, namespace_settings::min_webhook_queue,
                   namespace_settings::max_webhook_queue},
        std::tuple{"undelivered_after", &ns.undelivered_after, int64_t{0}, namespace_settings::max_undelivered_after},
        std::tuple{"auth_cache", &ns.auth_cache, int64_t{0}, namespace_settings::max_auth_cache},
        std::tuple{"auth_timeout", &ns.auth_timeout, int64_t{1}, namespace_settings::max_auth_timeout}})
    if (auto v = j.find(field); v != j.end()) {
      // nlohmann reads every non-negative integer as unsigned.
      if (!v->is_number_unsigned() || v->get<uint64_t>() > static_cast<uint64_t>(max) ||
          v->get<uint64_t>() < static_cast<uint64_t>(lo))
        return error{errc::bad_request, std::string("\"") + field + "\" must be an integer " + std::to_string(lo) +
                                          ".." + std::to_string(max)};
      *dst = static_cast<int64_t>(v->get<uint64_t>());
    }
  if (auto v = j.find("room_policy"); v != j.end()) {
    auto p = v->is_string() ? parse_room_policy(v->get_ref<const std::string&>()) : std::nullopt;
    if (!p) return error{errc::bad_request, "\"room_policy\" must be one of open, token, callback"};
    ns.rooms = *p;
  }
  for (auto [field, dst] : {std::pair{"subscribe_url", &ns.subscribe_url}, std::pair{"webhook_url", &ns.webhook_url},
                            std::pair{"webhook_secret", &ns.webhook_secret},
                            std::pair{"auth_url", &ns.auth_url}})
    if (auto v = j.find(field); v != j.end()) {
      // null clears it (no callback, no webhooks, the namespace secret)
      if (!v->is_null() && !v->is_string()) return error{errc::bad_request, std::string("\"") + field + "\" must be a string or null"};
      *dst = v->is_null() ? std::string{} : v->get<std::string>();
    }
  if (auto v = j.find("auth_fallback"); v != j.end()) {
    if (!v->is_string() || (*v != "deny" && *v != "token"))
      return error{errc::bad_request, "\"auth_fallback\" must be deny or token"};
    ns.auth_fallback_token = *v == "token";
  }
  if (auto v = j.find("socketio_events"); v != j.end()) {
    if (!v->is_string() || (*v != "herald" && *v != "lightpush"))
      return error{errc::bad_request, "\"socketio_events\" must be herald or lightpush"};
    ns.socketio_lightpush = *v == "lightpush";
  }
  if (auto v = j.find("webhook_events"); v != j.end()) {
    std::optional<uint32_t> kinds;
    if (v->is_string()) kinds = parse_hook_kinds(v->get_ref<const std::string&>());
    else if (v->is_array()) {
      std::string list;
      for (auto& e : *v) list += (e.is_string() ? e.get<std::string>() : std::string("?")) + ",";
      kinds = parse_hook_kinds(list);
    }
    if (!kinds)
      return error{errc::bad_request, "\"webhook_events\" must list connect, disconnect, online, offline, join, leave, undelivered"};
    ns.webhook_events = *kinds;
  }
  return ok();
}

}  // namespace

bool api::admin_ok(call& c) {
  auto now = admission::clock::now();
  if (admit_->admin_blocked(c.req.remote, now)) {
    c.fail(errc::rate_limited, "too many failed admin logins from this address; try again within a minute");
    return false;
  }
  auto& auth = c.req.authorization;
  if (!admin_token_.empty() && secret_equal(auth.substr(7), admin_token_)) return true;
  admit_->admin_failed(c.req.remote, now);
  c.fail(errc::unauthorized, "wrong admin token");
  return false;
}

void api::admin(call& c, const std::vector<std::string>& s) {
  auto& auth = c.req.authorization;
  if (!starts_with(auth, "Bearer ")) return c.fail(errc::unauthorized, "admin calls need the admin Bearer token");
  if (admin_token_.empty()) return c.fail(errc::forbidden, "the admin API is off (no admin.token)");
  if (!admin_ok(c)) return;
  if (s.size() < 3 || s[2] != "namespaces" || s.size() > 5 || (s.size() == 5 && s[4] != "secret" && s[4] != "token"))
    return c.fail(errc::not_found, "no route " + c.target.path);
  auto& m = c.req.method;
  if (s.size() == 5 && s[4] == "token") {  // POST .../namespaces/NS/token {"user","ttl"?}: what `herald token` prints
    if (m != "POST") return c.fail(errc::method_not_allowed, "use POST on " + c.target.path);
    auto settings = node_.context()->catalog->get(s[3]);
    if (!settings) return c.fail(errc::not_found, "no namespace " + s[3]);
    auto j = json_scan::valid(c.req.body) ? json::parse(c.req.body, nullptr, false) : json(json::value_t::discarded);
    if (!j.is_object() || !j.contains("user") || !j["user"].is_string() || !valid_id(j["user"].get<std::string>()))
      return c.fail(errc::bad_request, "the body is {\"user\": a user id, \"ttl\": seconds (optional, default 3600)}");
    int64_t ttl = 3600;
    if (auto t = j.find("ttl"); t != j.end()) {
      if (!t->is_number_unsigned() || t->get<uint64_t>() > uint64_t{366} * 86400)
        return c.fail(errc::bad_request, "\"ttl\" must be an integer 0..31622400 (0: no expiry)");
      ttl = static_cast<int64_t>(t->get<uint64_t>());
    }
    auto user = j["user"].get<std::string>();
    return c.ok({{"ns", s[3]}, {"user", user}, {"token", token::mint(settings->secret, user, ttl)}});
  }
  if (s.size() == 5) {  // POST .../namespaces/NS/secret: rotate, the old secret kept for its grace
    if (m != "POST") return c.fail(errc::method_not_allowed, "use POST on " + c.target.path);
    return node_.rotate_secret(s[3], [reply = c.reply](result<settings_ptr> r) {
      call c2{{}, reply, {}, {}};
      if (!r) return c2.fail(r.err());
      auto& ns = *r.value();
      c2.ok({{"name", ns.name}, {"secret", ns.secret}, {"previous_valid_until", ns.previous_until_ms / 1000}});
    });
  }
  if (s.size() == 3) {
    if (m == "GET") {
      json arr = json::array();
      for (auto& ns : node_.context()->catalog->list()) arr.push_back(settings_json(*ns));
      return c.ok({{"namespaces", arr}});
    }
    if (m != "POST") return c.fail(errc::method_not_allowed, "use GET or POST on " + c.target.path);
    // Checked by json_scan first: nlohmann has no depth limit of its own.
    auto j = json_scan::valid(c.req.body) ? json::parse(c.req.body, nullptr, false) : json(json::value_t::discarded);
    if (j.is_discarded() || !j.is_object())
      return c.fail(errc::bad_request, "body must be a JSON object (nested at most 64 levels)");
    namespace_settings ns;
    auto name = j.find("name");
    if (name == j.end() || !name->is_string()) return c.fail(errc::bad_request, "\"name\" must be a string");
    ns.name = name->get<std::string>();
    if (!valid_namespace_name(ns.name)) return c.fail(errc::bad_request, "\"name\" must match [a-z0-9_-]{1,64}");
    if (auto sec = j.find("secret"); sec != j.end() && !sec->is_null()) {
      if (!sec->is_string() || sec->get_ref<const std::string&>().empty() ||
          sec->get_ref<const std::string&>().size() > 256)
        return c.fail(errc::bad_request, "\"secret\" must be a string of 1..256 bytes");
      ns.secret = sec->get<std::string>();
    } else {
      ns.secret = random_secret();
    }
    if (auto st = read_settings(j, ns); !st) return c.fail(st.err());
    if (auto st = ns.check(node_.context()->hook_hosts); !st) return c.fail(st.err());
    json out = settings_json(ns);
    out["secret"] = ns.secret;
    // Not on this Asio thread: the catalog syncs the change to RocksDB.
    node_.create_namespace(std::move(ns), [reply = c.reply, out](status st) {
      call c2{{}, reply, {}, {}};
      if (!st) return c2.fail(st.err());
      c2.ok(out);
    });
    return;
  }
  if (m == "PATCH") {  // change settings; the name and secret stay (rotate for a new secret)
    auto j = json_scan::valid(c.req.body) ? json::parse(c.req.body, nullptr, false) : json(json::value_t::discarded);
    if (j.is_discarded() || !j.is_object())
      return c.fail(errc::bad_request, "body must be a JSON object (nested at most 64 levels)");
    for (auto* fixed : {"name", "secret"})
      if (j.contains(fixed))
        return c.fail(errc::bad_request, std::string("\"") + fixed + "\" cannot change (rotate a secret with POST .../secret)");
    auto hosts = node_.context()->hook_hosts;
    return node_.update_namespace(
      s[3],
      [j = std::move(j), hosts](namespace_settings& ns) -> status {
        if (auto st = read_settings(j, ns); !st) return st;
        return ns.check(hosts);
      },
      [reply = c.reply](result<settings_ptr> r) {
        call c2{{}, reply, {}, {}};
        if (!r) return c2.fail(r.err());
        c2.ok(settings_json(*r.value()));
      });
  }
  if (m != "DELETE") return c.fail(errc::method_not_allowed, "use PATCH or DELETE on " + c.target.path);
  node_.delete_namespace(s[3], [reply = c.reply, name = s[3]](status st) {
    call c2{{}, reply, {}, {}};
    if (!st) return c2.fail(st.err());
    c2.ok({{"deleted", name}});
  });
}

}  // namespace herald
