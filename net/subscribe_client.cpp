#include "net/subscribe_client.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/ids.hpp"
#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include "net/http_client.hpp"

namespace herald {

using json = nlohmann::json;

status subscribe_verdict(unsigned http_status, const std::string& body) {
  if (http_status != 200) return error{errc::unavailable, "the subscribe callback answered HTTP " + std::to_string(http_status)};
  auto j = json_scan::valid(body) ? json::parse(body, nullptr, false) : json(json::value_t::discarded);
  if (j.is_discarded() || !j.is_object()) return error{errc::unavailable, "the subscribe callback's answer is not a JSON object"};
  auto a = j.find("allow");
  if (a == j.end() || !a->is_boolean()) return error{errc::unavailable, "the subscribe callback's answer has no boolean \"allow\""};
  if (!a->get<bool>()) return error{errc::forbidden, "refused by the subscribe callback"};
  return ok();
}

subscribe_client::subscribe_client(boost::asio::io_context& io, std::vector<std::string> hook_hosts,
                                   std::shared_ptr<metrics> stats, size_t max_in_flight)
    : io_(io), hook_hosts_(std::move(hook_hosts)), stats_(std::move(stats)), max_in_flight_(max_in_flight) {}

void subscribe_client::check(const namespace_settings& ns, const session_info& who, const std::string& room,
                             std::function<void(status)> done) {
  auto now = now_ms();
  auto key = allow_cache::key(ns.name, who.user, who.client, room);
  if (cache_.allowed(key, now)) {
    stats_->subscribe_check("cached").Increment();
    return done(ok());
  }
  // Checked again here, not only when the URL was set: hook_hosts may
  // have narrowed since a namespace was stored.
  auto url = parse_http_url(ns.subscribe_url);
  if (!url || !host_allowed(url->host, hook_hosts_)) {
    stats_->subscribe_check("error").Increment();
    return done(error{errc::unavailable, "the namespace's subscribe_url is not allowed by [node] hook_hosts"});
  }
  if (in_flight_->fetch_add(1) >= max_in_flight_) {
    in_flight_->fetch_sub(1);
    stats_->subscribe_check("error").Increment();
    return done(error{errc::unavailable, "too many room permission checks in flight; try again"});
  }
  auto body = json{{"ns", ns.name},
                   {"user", who.user},
                   {"client", who.client.empty() ? json(nullptr) : json(who.client)},
                   {"room", room}}
                .dump(-1, ' ', false, json::error_handler_t::replace);
  http_headers headers{{"X-Herald-Signature", hmac_signature(ns.secret, body)}};
  auto ttl_ms = ns.subscribe_cache * 1000;
  http_post(io_, *url, std::move(body), std::move(headers), std::chrono::seconds(ns.subscribe_timeout),
            [self = shared_from_this(), key = std::move(key), ttl_ms, in_flight = in_flight_, done = std::move(done),
             where = ns.subscribe_url](result<http_reply> r) {
              in_flight->fetch_sub(1);
              status v = r ? subscribe_verdict(r.value().status, r.value().body) : status{r.err()};
              if (v) {
                auto t = now_ms();
                self->cache_.allow(key, t + ttl_ms, t);
                self->stats_->subscribe_check("allow").Increment();
              } else if (v.err().code == errc::forbidden) {
                self->stats_->subscribe_check("deny").Increment();
              } else {
                self->stats_->subscribe_check("error").Increment();
                spdlog::warn("subscribe callback {}: {}", where, v.err().message);
              }
              done(std::move(v));
            });
}

}  // namespace herald
