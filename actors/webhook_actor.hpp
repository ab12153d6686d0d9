#pragma once
// One per namespace on every node: delivers the webhook events this node
// emits for the namespace, at least once. An event is written to the store
// before it counts as emitted and deleted only after the receiver answered
// 2xx; a failed POST is retried with backoff and jitter for webhook_retry
// s; the queue is bounded (webhook_queue bytes), and what is dropped is
// counted and logged. One batch in flight per namespace and node: a dead
// receiver holds up only its own namespace's events, never a push (the
// POSTs run on the event loop, the actor only waits for their outcome).
// The queueing logic is actors/webhook_queue (pure).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "actors/context.hpp"
#include "actors/webhook_protocol.hpp"
#include "actors/webhook_queue.hpp"

namespace herald {

struct webhook_state {
  std::string ns;
  context_ptr ctx;
  webhook_queue queue;
  bool loaded = false;
  std::vector<hook_emit> early;  // emitted before the stored events were read
  // Emitted since the last write: written together, in one batch, when the
  // flush this actor sent itself arrives (behind every emit queued then).
  std::vector<webhook_queue::event> unwritten;
  // The namespace's metrics, looked up once (a label lookup costs ~2k
  // instructions; per event that was a tenth of a push).
  prometheus::Counter *emitted_c = nullptr, *delivered_c = nullptr, *retried_c = nullptr, *dropped_c = nullptr;
  prometheus::Gauge *events_g = nullptr, *bytes_g = nullptr, *age_g = nullptr;
  uint64_t next_seq = 1;
  bool waiting_retry = false;
  int64_t next_attempt_ms = 0;
  int64_t last_delivered_ms = 0;
  std::string last_error;
  uint64_t emitted = 0, delivered = 0, retried = 0, dropped = 0;
  std::minstd_rand rng{std::random_device{}()};
  static inline const char* name = "herald.webhooks";
};

caf::behavior webhook_actor(caf::stateful_actor<webhook_state>* self, std::string ns, context_ptr ctx);

}  // namespace herald
