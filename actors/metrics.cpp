#include "actors/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace herald {

using namespace prometheus;

namespace {
Family<Counter>& counter_family(Registry& r, const char* name, const char* help) {
  return BuildCounter().Name(name).Help(help).Register(r);
}
}  // namespace

metrics::metrics()
  : registry(std::make_shared<Registry>()),
    connections(BuildGauge().Name("herald_connections").Help("Open WebSocket sessions").Register(*registry).Add({})),
    connections_total(counter_family(*registry, "herald_connections_total", "WebSocket sessions accepted").Add({})),
    published(counter_family(*registry, "herald_messages_published_total", "Messages accepted for delivery").Add({})),
    delivered(counter_family(*registry, "herald_messages_delivered_total", "Message frames handed to sessions").Add({})),
    acked(counter_family(*registry, "herald_messages_acked_total", "Message ids acked by devices").Add({})),
    slow_closed(counter_family(*registry, "herald_slow_sessions_closed_total", "Sessions closed with 1013 because their queue was full").Add({})),
    fanout_delayed(counter_family(*registry, "herald_fanout_writes_delayed_total", "Fan-outs whose writes waited node.write_delay because the node was busy writing others").Add({})),
    api_held(counter_family(*registry, "herald_api_requests_held_total", "API requests read only once big fan-outs' queued frames were back under the bound").Add({})),
    room_fanout(counter_family(*registry, "herald_room_fanout_messages_total", "Room messages handed to a node with members: one per node, not per member").Add({})),
    store_writable(BuildGauge().Name("herald_store_writable").Help("1 while the store accepts writes, 0 during a write fault (full disk, I/O error)").Register(*registry).Add({})),
    store_write_errors(counter_family(*registry, "herald_store_write_errors_total", "Store writes that failed or were refused during a write fault").Add({})),
    closed_family(counter_family(*registry, "herald_sessions_closed_total", "Sessions closed, by close code")),
    refused_family(counter_family(*registry, "herald_connections_refused_total", "WebSocket upgrades refused, by reason")),
    http_family(counter_family(*registry, "herald_http_requests_total", "HTTP API requests, by status")),
    internode_family(counter_family(*registry, "herald_internode_messages_total", "Messages sent to actors on other nodes, by kind")),
    passivated_family(counter_family(*registry, "herald_actors_passivated_total", "Idle user and room actors passivated, by kind")),
    handoff_family(counter_family(*registry, "herald_handoffs_total", "Keys whose durable state moved to a new owner, by kind and side")),
    subscribe_family(counter_family(*registry, "herald_subscribe_checks_total", "Room joins checked by the subscribe callback, by result")),
    dial_family(counter_family(*registry, "herald_cluster_dials_total", "Connections to other members' cluster_listen, by result")),
    webhook_family(counter_family(*registry, "herald_webhook_events_total", "Webhook events of a namespace on this node, by result (emitted, delivered, retried, dropped)")),
    auth_family(counter_family(*registry, "herald_auth_checks_total", "WebSocket upgrades decided by a namespace's connect callback, by result")),
    webhook_queue_family(BuildGauge().Name("herald_webhook_queue").Help("A namespace's webhook queue on this node: events, bytes, age_seconds of the oldest").Register(*registry)),
    handoff_records(counter_family(*registry, "herald_handoff_records_total", "Records merged from a previous owner that were new here").Add({})) {}

Counter& metrics::closed(uint16_t code) { return closed_family.Add({{"code", std::to_string(code)}}); }
Counter& metrics::refused(const std::string& reason) { return refused_family.Add({{"reason", reason}}); }
Counter& metrics::http(int status) {
  auto* slot = status >= 100 && status <= 599 ? &http_by_status_[status - 100] : nullptr;
  if (slot)
    if (auto* c = slot->load(std::memory_order_acquire)) return *c;
  auto& c = http_family.Add({{"status", std::to_string(status)}});  // the family returns the same counter each time
  if (slot) slot->store(&c, std::memory_order_release);
  return c;
}
Counter& metrics::internode(const std::string& kind) { return internode_family.Add({{"kind", kind}}); }
Counter& metrics::passivated(const std::string& kind) { return passivated_family.Add({{"kind", kind}}); }
Counter& metrics::cluster_dial(const std::string& result) { return dial_family.Add({{"result", result}}); }
Counter& metrics::subscribe_check(const std::string& result) { return subscribe_family.Add({{"result", result}}); }
Counter& metrics::auth_check(const std::string& result) { return auth_family.Add({{"result", result}}); }
Counter& metrics::webhook(const std::string& ns, const std::string& result) {
  return webhook_family.Add({{"ns", ns}, {"result", result}});
}
Gauge& metrics::webhook_queue(const std::string& ns, const std::string& what) {
  return webhook_queue_family.Add({{"ns", ns}, {"what", what}});
}
Counter& metrics::handoff(const std::string& kind, const std::string& side) {
  return handoff_family.Add({{"kind", kind}, {"side", side}});
}

std::string metrics::text() const {
  TextSerializer s;
  return s.Serialize(registry->Collect());
}

}  // namespace herald
