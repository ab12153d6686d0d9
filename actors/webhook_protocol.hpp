#pragma once
// What a namespace's webhook actor on this node accepts: events to deliver
// (from the session's node for connect/disconnect/join/leave, from the
// user's home for online/offline/undelivered), and the state GET
// /v1/webhooks shows. Node-local: every node delivers the events it
// emitted, so a message never carries them across nodes.
#include <cstdint>
#include <string>

#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/answer.hpp"
#include "actors/interface.hpp"
#include "actors/namespace_catalog.hpp"

namespace herald {

struct hook_emit {  // no answer
  hook_kind kind = hook_kind::connect;
  std::string user;
  std::string fields;  // JSON members after "user" ("session":"s1",...), may be empty
  int64_t ts = 0;      // ms since the epoch
};

// One node's share of a namespace's webhook queue (GET /v1/webhooks asks
// every node's namespace actor, which asks its webhook actor).
struct webhook_status {
  std::string node;
  bool loaded = false;  // the events stored before the last start are read
  uint64_t queued = 0;
  uint64_t bytes = 0;
  int64_t oldest_ms = 0;  // when the oldest waiting event was emitted; 0: none
  bool in_flight = false;
  uint32_t attempts = 0;  // failed posts of the current batch
  int64_t next_attempt_ms = 0;
  int64_t last_delivered_ms = 0;
  std::string last_error;
  uint64_t emitted = 0, delivered = 0, retried = 0, dropped = 0;  // since this node started
};
struct webhook_status_request {};  // -> webhook_status (from its namespace actor)

struct webhook_interface : interface<hook_emit, webhook_status_request> {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, webhook_status& x) {
  return f(caf::meta::type_name("herald.webhook_status"), x.node, x.loaded, x.queued, x.bytes, x.oldest_ms,
           x.in_flight, x.attempts, x.next_attempt_ms, x.last_delivered_ms, x.last_error, x.emitted, x.delivered,
           x.retried, x.dropped);
}

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hook_emit)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::webhook_status_request)
