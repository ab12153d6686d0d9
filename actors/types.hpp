#pragma once
// The values herald's actors exchange, whatever the interface: a session as
// presence shows it and as user and room actors hold it, a publish, and a
// node's share of the numbers. All inspectable: they cross nodes.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/handle.hpp"
#include "actors/message.hpp"
#include "actors/window_counter.hpp"

namespace herald {

// What presence shows about one session.
struct session_info {
  std::string session;
  std::string user;
  std::string client;  // device id, empty when the client gave none
  std::string node;
  int64_t since = 0;   // ms since epoch
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_info& x) {
  return f(caf::meta::type_name("herald.session_info"), x.session, x.user, x.client, x.node, x.since);
}

struct session_interface;  // actors/session_protocol.hpp
struct fanout_interface;   // actors/fanout_protocol.hpp

// A session as user and room actors know it: its info, its actor, and the
// namespace actor of its node (where frames for it are fanned out).
struct session_ref {
  session_info info;
  handle<session_interface> actor;
  handle<fanout_interface> node_ns;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_ref& x) {
  return f(caf::meta::type_name("herald.session_ref"), x.info, x.actor, x.node_ns);
}

// One publish: from the HTTP API or from a client.
struct publish_request {
  std::vector<std::string> users;
  std::vector<std::string> clients;  // a device id of any user
  // One user's device: users[i]'s device clients[i] (two users may pick
  // the same device id; a plain `clients` entry reaches both).
  std::vector<std::string> device_users, device_clients;
  std::vector<std::string> rooms;
  bool all = false;
  std::string exclude_session;  // the publishing session: no echo of its own room message
  int64_t ttl = -1;             // seconds a user message stays deliverable offline; -1: namespace default
  message msg;
};

// One node's share of a namespace's numbers.
struct ns_stats {
  uint64_t connections = 0;
  uint64_t users_online = 0;
  uint64_t rooms = 0;
  window_totals published, delivered, acked;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, window_totals& x) {
  return f(caf::meta::type_name("herald.window_totals"), x.minute, x.hour, x.day);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_stats& x) {
  return f(caf::meta::type_name("herald.ns_stats"), x.connections, x.users_online, x.rooms,
           x.published, x.delivered, x.acked);
}

// Sums node shares: the namespace's numbers over the cluster.
inline void add_stats(ns_stats& x, const ns_stats& y) {
  auto add = [](window_totals& a, const window_totals& b) {
    a.minute += b.minute;
    a.hour += b.hour;
    a.day += b.day;
  };
  x.connections += y.connections;
  x.users_online += y.users_online;
  x.rooms += y.rooms;
  add(x.published, y.published);
  add(x.delivered, y.delivered);
  add(x.acked, y.acked);
}

// One node's share of a namespace's numbers, with its name.
struct node_stats {
  std::string node;
  ns_stats stats;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stats& x) {
  return f(caf::meta::type_name("herald.node_stats"), x.node, x.stats);
}

// One node's share of a message's receipt. Counts are written where the
// deliveries and acks happen, so the receipt is the sum over all nodes.
struct receipt_counts {
  bool found = false;
  uint64_t sent = 0;
  uint64_t acked = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, receipt_counts& x) {
  return f(caf::meta::type_name("herald.receipt_counts"), x.found, x.sent, x.acked);
}

}  // namespace herald
