#pragma once
// Node-wide Prometheus metrics. Counters are bumped once per fan-out with the
// number of deliveries, never once per recipient.
#include <array>
#include <atomic>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace herald {

struct metrics {
  metrics();
  std::string text() const;  // Prometheus exposition format
  prometheus::Counter& closed(uint16_t code);
  prometheus::Counter& refused(const std::string& reason);
  prometheus::Counter& http(int status);
  // Messages this node sent to another node's actors, by kind.
  prometheus::Counter& internode(const std::string& kind);
  // User / room actors passivated after being idle, by kind.
  prometheus::Counter& passivated(const std::string& kind);
  // Keys whose durable state this node handed to their new owner (`sent`,
  // by kind) or merged from the old one (`merged`), and records that were
  // new to the receiving side.
  prometheus::Counter& handoff(const std::string& kind, const std::string& side);
  // Room permission checks by the subscribe callback, by result (allow,
  // deny, error, cached).
  prometheus::Counter& subscribe_check(const std::string& result);
  // Dials of other members' cluster_listen, by result (ok, failed).
  prometheus::Counter& cluster_dial(const std::string& result);
  // Connect callbacks (auth_url), by result (allow, deny, error, cached).
  prometheus::Counter& auth_check(const std::string& result);
  // Webhook events of a namespace on this node, by result (emitted,
  // delivered, retried, dropped), and its queue.
  prometheus::Counter& webhook(const std::string& ns, const std::string& result);
  prometheus::Gauge& webhook_queue(const std::string& ns, const std::string& what);  // events, bytes, age_seconds

  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Gauge& connections;
  prometheus::Counter& connections_total;
  prometheus::Counter& published;
  prometheus::Counter& delivered;
  prometheus::Counter& acked;
  prometheus::Counter& slow_closed;
  prometheus::Counter& fanout_delayed;  // fan-outs whose writes waited node.write_delay
  prometheus::Counter& api_held;        // API requests held by the delivery backlog (net/backlog_gate.hpp)
  prometheus::Counter& room_fanout;  // room messages sent to a node with members (one per node)
  prometheus::Gauge& store_writable;       // 0 while a write fault lasts
  prometheus::Counter& store_write_errors;  // batches that failed or were refused
  prometheus::Family<prometheus::Counter>& closed_family;
  prometheus::Family<prometheus::Counter>& refused_family;
  prometheus::Family<prometheus::Counter>& http_family;
  prometheus::Family<prometheus::Counter>& internode_family;
  prometheus::Family<prometheus::Counter>& passivated_family;
  prometheus::Family<prometheus::Counter>& handoff_family;
  prometheus::Family<prometheus::Counter>& subscribe_family;
  prometheus::Family<prometheus::Counter>& dial_family;
  prometheus::Family<prometheus::Counter>& webhook_family;
  prometheus::Family<prometheus::Counter>& auth_family;
  prometheus::Family<prometheus::Gauge>& webhook_queue_family;
  prometheus::Counter& handoff_records;  // declared after registry: initialised from it

 private:
  // http() runs once per API call: a label lookup in the family is ~2k
  // instructions, the cached counter one load.
  std::array<std::atomic<prometheus::Counter*>, 500> http_by_status_{};
};

}  // namespace herald
