#pragma once
// Node-wide Prometheus metrics. Counters are bumped once per fan-out with the
// number of deliveries, never once per recipient.
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

  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Gauge& connections;
  prometheus::Counter& connections_total;
  prometheus::Counter& published;
  prometheus::Counter& delivered;
  prometheus::Counter& acked;
  prometheus::Counter& slow_closed;
  prometheus::Family<prometheus::Counter>& closed_family;
  prometheus::Family<prometheus::Counter>& refused_family;
  prometheus::Family<prometheus::Counter>& http_family;
};

}  // namespace herald
