// The API of the business hooks (issue 17): a user's device records, the
// prune, and the webhook queues. Routed by api.cpp.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"
#include "actors/webhook_protocol.hpp"
#include "net/api_ask.hpp"

namespace herald {

using json = nlohmann::json;

void api::user_devices(call& c, const std::string& user) {
  ask<std::vector<device_info>>(c, u_devices{user, {}}, [](call& c2, const std::vector<device_info>& v) {
    json arr = json::array();
    auto ms = [](int64_t t) { return t ? json(t) : json(nullptr); };
    for (auto& d : v) {
      auto& r = d.record;
      json meta = nullptr;
      if (!r.meta.empty()) meta = json::parse(r.meta, nullptr, false);
      if (meta.is_discarded()) meta = nullptr;
      arr.push_back({{"client", d.client},
                     {"first_seen", ms(r.first_seen)},
                     {"last_connect", ms(r.last_connect)},
                     {"last_disconnect", ms(r.last_disconnect)},
                     {"online", d.online},
                     {"node", r.node.empty() ? json(nullptr) : json(r.node)},
                     {"remote", r.remote.empty() ? json(nullptr) : json(r.remote)},
                     {"user_agent", r.user_agent.empty() ? json(nullptr) : json(r.user_agent)},
                     {"meta", meta},
                     {"unacked", d.unacked}});
    }
    c2.ok({{"devices", arr}});
  });
}

void api::forget_device(call& c, const std::string& user, const std::string& device) {
  ask<uint64_t>(c, u_forget_device{user, device, false, {}}, [user, device](call& c2, uint64_t n) {
    if (n == 0) return c2.fail(errc::not_found, "user " + user + " has no device " + device);
    c2.ok({{"deleted", device}});
  });
}

void api::prune_devices(call& c) {
  namespace js = json_scan;
  auto body = js::object(c.req.body);
  auto* d = body ? js::find(*body, "idle_days") : nullptr;
  auto days = d && d->k == js::kind::number ? js::integer(d->text) : std::nullopt;
  if (!days || *days < 0 || *days > 36500)
    return c.fail(errc::bad_request, "body must be {\"idle_days\":N} with N an integer 0..36500");
  auto before = now_ms() - *days * int64_t{86400000};
  ask<uint64_t>(c, gather_prune{before, {}}, [](call& c2, uint64_t n) { c2.ok({{"removed", n}}); });
}

// Every node's share of the namespace's webhook queue: each node delivers
// the events it emitted.
void api::webhooks(call& c) {
  auto settings = node_.context()->catalog->get(c.ns);
  if (!settings) return c.fail(errc::not_found, "no namespace " + c.ns);
  ask<std::vector<webhook_status>>(c, gather_webhooks{}, [settings](call& c2, const std::vector<webhook_status>& v) {
    auto ms = [](int64_t t) { return t ? json(t) : json(nullptr); };
    json nodes = json::array();
    for (auto& s : v)
      nodes.push_back({{"node", s.node},
                       {"loaded", s.loaded},
                       {"queued", s.queued},
                       {"bytes", s.bytes},
                       {"oldest", ms(s.oldest_ms)},
                       {"in_flight", s.in_flight},
                       {"attempts", s.attempts},
                       {"next_attempt", ms(s.next_attempt_ms)},
                       {"last_delivered", ms(s.last_delivered_ms)},
                       {"last_error", s.last_error.empty() ? json(nullptr) : json(s.last_error)},
                       {"emitted", s.emitted},
                       {"delivered", s.delivered},
                       {"retried", s.retried},
                       {"dropped", s.dropped}});
    std::sort(nodes.begin(), nodes.end(), [](const json& a, const json& b) { return a["node"] < b["node"]; });
    c2.ok({{"url", settings->webhook_url.empty() ? json(nullptr) : json(settings->webhook_url)},
           {"events", hook_kinds_text(settings->webhook_events)},
           {"nodes", nodes}});
  });
}

}  // namespace herald
