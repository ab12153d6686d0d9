#include "actors/namespace_catalog.hpp"

#include <algorithm>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include "storage/store.hpp"

namespace herald {

using json = nlohmann::json;

std::string namespace_settings::to_json() const {
  return json{{"secret", secret},
              {"client_publish", client_publish},
              {"message_ttl", message_ttl},
              {"room_history", room_history},
              {"previous_secret", previous_secret},
              {"previous_until", previous_until_ms},
              {"secret_grace", secret_grace},
              {"changed", changed_ms},
              {"room_policy", to_string(rooms)},
              {"subscribe_url", subscribe_url},
              {"subscribe_cache", subscribe_cache},
              {"subscribe_timeout", subscribe_timeout},
              {"webhook_url", webhook_url},
              {"webhook_secret", webhook_secret},
              {"webhook_events", webhook_events},
              {"webhook_timeout", webhook_timeout},
              {"webhook_retry", webhook_retry},
              {"webhook_queue", webhook_queue},
              {"undelivered_after", undelivered_after},
              {"undelivered_data", undelivered_data},
              {"room_events", room_events},
              {"auth_url", auth_url},
              {"auth_cache", auth_cache},
              {"auth_timeout", auth_timeout},
              {"auth_fallback", auth_fallback_token ? "token" : "deny"},
              {"socketio_events", socketio_lightpush ? "lightpush" : "herald"}}
    .dump();
}

std::vector<std::string> namespace_settings::secrets(int64_t now_ms) const {
  if (previous_secret.empty() || now_ms >= previous_until_ms) return {secret};
  return {secret, previous_secret};
}

result<namespace_settings> namespace_settings::from_json(const std::string& name,
                                                         const std::string& text) {
  auto j = json_scan::valid(text) ? json::parse(text, nullptr, false) : json(json::value_t::discarded);
  if (j.is_discarded() || !j.is_object())
    return error{errc::internal, "stored namespace " + name + " is not a JSON object"};
  namespace_settings s;
  s.name = name;
  s.secret = j.value("secret", "");
  s.client_publish = j.value("client_publish", false);
  s.message_ttl = j.value("message_ttl", int64_t{86400});
  s.room_history = j.value("room_history", int64_t{100});
  s.previous_secret = j.value("previous_secret", "");
  s.previous_until_ms = j.value("previous_until", int64_t{0});
  s.secret_grace = j.value("secret_grace", int64_t{3600});
  s.changed_ms = j.value("changed", int64_t{0});
  auto policy = parse_room_policy(j.value("room_policy", "open"));
  if (!policy) return error{errc::internal, "stored namespace " + name + " has an unknown room_policy"};
  s.rooms = *policy;
  s.subscribe_url = j.value("subscribe_url", "");
  s.subscribe_cache = j.value("subscribe_cache", int64_t{60});
  s.subscribe_timeout = j.value("subscribe_timeout", int64_t{3});
  s.webhook_url = j.value("webhook_url", "");
  s.webhook_secret = j.value("webhook_secret", "");
  s.webhook_events = j.value("webhook_events", all_hook_kinds);
  s.webhook_timeout = j.value("webhook_timeout", int64_t{5});
  s.webhook_retry = j.value("webhook_retry", int64_t{3600});
  s.webhook_queue = j.value("webhook_queue", int64_t{16} << 20);
  s.undelivered_after = j.value("undelivered_after", int64_t{30});
  s.undelivered_data = j.value("undelivered_data", true);
  s.room_events = j.value("room_events", false);
  s.auth_url = j.value("auth_url", "");
  s.auth_cache = j.value("auth_cache", int64_t{60});
  s.auth_timeout = j.value("auth_timeout", int64_t{3});
  s.auth_fallback_token = j.value("auth_fallback", "deny") == "token";
  s.socketio_lightpush = j.value("socketio_events", "herald") == "lightpush";
  return s;
}

status namespace_catalog::load() {
  if (!store_) return ok();
  auto rows = store_->namespaces();
  if (!rows) return from_store(rows.err());
  std::unique_lock lock(mtx_);
  for (auto& [name, doc] : rows.value()) {
    auto s = namespace_settings::from_json(name, doc);
    if (!s) return s.err();
    map_[name] = std::make_shared<const namespace_settings>(std::move(s.value()));
  }
  return ok();
}

status namespace_catalog::persist(const namespace_settings& s) {
  if (!store_) return ok();
  return from_store(store_->put_namespace(s.name, s.to_json()));
}

status namespace_catalog::put(namespace_settings s) {
  if (!valid_namespace_name(s.name))
    return error{errc::bad_request, "namespace name must match [a-z0-9_-]{1,64}"};
  std::unique_lock lock(mtx_);
  if (auto st = persist(s); !st) return st;
  auto name = s.name;  // the right side of = is evaluated first (C++17)
  map_[name] = std::make_shared<const namespace_settings>(std::move(s));
  return ok();
}

status namespace_catalog::create(namespace_settings s) {
  if (!valid_namespace_name(s.name))
    return error{errc::bad_request, "namespace name must match [a-z0-9_-]{1,64}"};
  std::unique_lock lock(mtx_);
  if (map_.count(s.name)) return error{errc::conflict, "namespace " + s.name + " exists"};
  if (auto st = persist(s); !st) return st;
  auto name = s.name;  // the right side of = is evaluated first (C++17)
  map_[name] = std::make_shared<const namespace_settings>(std::move(s));
  return ok();
}

status namespace_catalog::remove(const std::string& name) {
  std::unique_lock lock(mtx_);
  if (!map_.count(name)) return error{errc::not_found, "no namespace " + name};
  if (store_)
    if (auto st = store_->delete_namespace(name); !st) return from_store(st.err());
  map_.erase(name);
  return ok();
}

result<settings_ptr> namespace_catalog::rotate_secret(const std::string& name, int64_t now_ms) {
  std::unique_lock lock(mtx_);
  auto i = map_.find(name);
  if (i == map_.end()) return error{errc::not_found, "no namespace " + name};
  auto next = *i->second;
  next.previous_secret = next.secret;
  next.previous_until_ms = now_ms + next.secret_grace * 1000;
  next.secret = random_secret();
  next.changed_ms = std::max(now_ms, next.changed_ms + 1);
  if (auto st = persist(next); !st) return st.err();
  auto p = std::make_shared<const namespace_settings>(std::move(next));
  i->second = p;
  return settings_ptr{p};
}

result<settings_ptr> namespace_catalog::update(const std::string& name,
                                               const std::function<status(namespace_settings&)>& change, int64_t now_ms) {
  std::unique_lock lock(mtx_);
  auto i = map_.find(name);
  if (i == map_.end()) return error{errc::not_found, "no namespace " + name};
  auto next = *i->second;
  if (auto st = change(next); !st) return st.err();
  next.name = name;
  next.changed_ms = std::max(now_ms, next.changed_ms + 1);
  if (auto st = persist(next); !st) return st.err();
  auto p = std::make_shared<const namespace_settings>(std::move(next));
  i->second = p;
  return settings_ptr{p};
}

settings_ptr namespace_catalog::get(const std::string& name) const {
  std::shared_lock lock(mtx_);
  auto i = map_.find(name);
  return i == map_.end() ? nullptr : i->second;
}

std::vector<settings_ptr> namespace_catalog::list() const {
  std::shared_lock lock(mtx_);
  std::vector<settings_ptr> out;
  for (auto& kv : map_) out.push_back(kv.second);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a->name < b->name; });
  return out;
}

std::string random_secret() {
  std::random_device rd;  // /dev/urandom on Linux
  static const char* hex = "0123456789abcdef";
  std::string s(32, '0');
  for (size_t i = 0; i < s.size(); i += 8) {
    uint32_t r = rd();
    for (size_t k = 0; k < 8; ++k, r >>= 4) s[i + k] = hex[r & 0xf];
  }
  return s;
}

}  // namespace herald
