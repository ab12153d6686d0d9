#include "net/auth_client.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/ids.hpp"
#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include "net/http_client.hpp"

namespace herald {

using json = nlohmann::json;

namespace {
constexpr size_t max_cached = 100000;
constexpr size_t max_meta = 1024;

bool valid_code(const std::string& c) {
  if (c.empty() || c.size() > 64) return false;
  for (char ch : c)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  return true;
}

connect_verdict failure(std::string why) {
  connect_verdict v;
  v.result = connect_verdict::failed;
  v.message = std::move(why);
  return v;
}
}  // namespace

connect_verdict read_connect_answer(unsigned http_status, const std::string& body, size_t max_rooms) {
  if (http_status >= 500 || http_status < 200)
    return failure("the connect callback answered HTTP " + std::to_string(http_status));
  auto j = json_scan::valid(body) ? json::parse(body, nullptr, false) : json(json::value_t::discarded);
  connect_verdict v;
  if (http_status != 200) {  // a refusal in HTTP terms: its status, and its code when it gives one
    v.result = connect_verdict::deny;
    v.status = http_status >= 400 && http_status < 500 ? http_status : 403;
    v.code = http_status == 401 ? "unauthorized" : "forbidden";
    v.message = "refused by the connect callback";
    if (j.is_object()) {
      if (auto c = j.find("code"); c != j.end() && c->is_string() && valid_code(c->get<std::string>())) v.code = c->get<std::string>();
      if (auto m = j.find("message"); m != j.end() && m->is_string()) v.message = m->get<std::string>().substr(0, 512);
    }
    return v;
  }
  if (j.is_discarded() || !j.is_object()) return failure("the connect callback's answer is not a JSON object");
  auto a = j.find("allow");
  if (a == j.end() || !a->is_boolean()) return failure("the connect callback's answer has no boolean \"allow\"");
  if (!a->get<bool>()) {
    v.result = connect_verdict::deny;
    v.status = 403;
    v.code = "forbidden";
    v.message = "refused by the connect callback";
    if (auto s = j.find("status"); s != j.end() && s->is_number_unsigned()) {
      auto st = s->get<uint64_t>();
      if (st >= 400 && st < 500) v.status = static_cast<unsigned>(st);
    }
    if (auto c = j.find("code"); c != j.end() && c->is_string() && valid_code(c->get<std::string>())) v.code = c->get<std::string>();
    if (auto m = j.find("message"); m != j.end() && m->is_string()) v.message = m->get<std::string>().substr(0, 512);
    return v;
  }
  auto u = j.find("user");
  if (u == j.end() || !u->is_string() || !valid_id(u->get<std::string>()))
    return failure("the connect callback allowed without a valid \"user\"");
  v.user = u->get<std::string>();
  if (auto r = j.find("rooms"); r != j.end() && !r->is_null()) {
    if (!r->is_array() || r->size() > max_rooms) return failure("the connect callback's \"rooms\" is not a list of at most " + std::to_string(max_rooms) + " rooms");
    for (auto& room : *r) {
      if (!room.is_string() || !valid_id(room.get<std::string>())) return failure("the connect callback named an invalid room");
      v.rooms.push_back(room.get<std::string>());
    }
  }
  if (auto m = j.find("meta"); m != j.end() && !m->is_null()) {
    if (!m->is_object()) return failure("the connect callback's \"meta\" is not an object");
    v.meta = m->dump(-1, ' ', false, json::error_handler_t::replace);
    if (v.meta.size() > max_meta) return failure("the connect callback's \"meta\" is over 1 KB");
  }
  v.result = connect_verdict::allow;
  v.status = 200;
  v.code.clear();
  return v;
}

auth_client::auth_client(boost::asio::io_context& io, std::vector<std::string> hook_hosts,
                         std::shared_ptr<metrics> stats, size_t max_rooms, size_t max_in_flight)
    : io_(io), hook_hosts_(std::move(hook_hosts)), stats_(std::move(stats)), max_rooms_(max_rooms),
      max_in_flight_(max_in_flight) {}

bool auth_client::from_cache(const std::string& key, int64_t now, connect_verdict& out) {
  std::lock_guard lock(mtx_);
  auto i = cache_.find(key);
  if (i == cache_.end()) return false;
  if (i->second.until_ms <= now) {
    cache_.erase(i);
    return false;
  }
  out = i->second.v;
  return true;
}

void auth_client::keep(const std::string& key, const connect_verdict& v, int64_t until, int64_t now) {
  std::lock_guard lock(mtx_);
  if (cache_.size() >= max_cached) {
    for (auto i = cache_.begin(); i != cache_.end();) i = i->second.until_ms <= now ? cache_.erase(i) : std::next(i);
    if (cache_.size() >= max_cached) cache_.clear();  // a burst of distinct tokens costs callbacks, never memory
  }
  cache_[key] = cached{v, until};
}

void auth_client::check(const namespace_settings& ns, const connect_request& r, std::function<void(connect_verdict)> done) {
  auto now = now_ms();
  auto key = ns.name + '\0' + r.token;
  connect_verdict hit;
  if (!r.token.empty() && ns.auth_cache > 0 && from_cache(key, now, hit)) {
    stats_->auth_check("cached").Increment();
    return done(std::move(hit));
  }
  if (in_flight_->fetch_add(1) >= max_in_flight_) {
    in_flight_->fetch_sub(1);
    stats_->auth_check("error").Increment();
    return done(failure("too many connect callbacks in flight; try again"));
  }
  json q = json::object(), h = json::object();
  for (auto& [k, v] : r.query) q[k] = v;
  for (auto& [k, v] : r.headers) h[k] = v;
  auto body = json{{"ns", ns.name}, {"token", r.token}, {"query", q}, {"headers", h}, {"remote", r.remote}}.dump(
    -1, ' ', false, json::error_handler_t::replace);
  auto ttl_ms = ns.auth_cache * 1000;
  bool cacheable = !r.token.empty() && ttl_ms > 0;
  auto url = parse_http_url(ns.auth_url);
  if (!url || !host_allowed(url->host, hook_hosts_)) {  // hook_hosts may have narrowed since it was set
    in_flight_->fetch_sub(1);
    stats_->auth_check("error").Increment();
    return done(failure("the namespace's auth_url is not allowed by [node] hook_hosts"));
  }
  http_headers headers{{"X-Herald-Signature", hmac_signature(ns.secret, body)}};
  http_post(io_, *url, std::move(body), std::move(headers), std::chrono::seconds(ns.auth_timeout),
            [self = shared_from_this(), key = std::move(key), ttl_ms, cacheable, in_flight = in_flight_,
             done = std::move(done), where = ns.auth_url](result<http_reply> r) {
              in_flight->fetch_sub(1);
              auto v = r ? read_connect_answer(r.value().status, r.value().body, self->max_rooms_)
                         : failure("the connect callback failed: " + r.err().message);
              if (v.result == connect_verdict::allow) {
                self->stats_->auth_check("allow").Increment();
                if (cacheable) {
                  auto t = now_ms();
                  self->keep(key, v, t + ttl_ms, t);
                }
              } else if (v.result == connect_verdict::deny) {
                self->stats_->auth_check("deny").Increment();
              } else {
                self->stats_->auth_check("error").Increment();
                spdlog::warn("connect callback {}: {}", where, v.message);
              }
              done(std::move(v));
            });
}

}  // namespace herald
