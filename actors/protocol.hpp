#pragma once
// The message protocol between herald's actors: atoms and message structs.
// Everything that may cross nodes is inspectable and in the type-ID block;
// connection_ptr stays node-local by construction (an unsafe type).
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "actors/connection.hpp"
#include "actors/handoff.hpp"
#include "actors/message.hpp"
#include "actors/window_counter.hpp"
#include "actors/wire.hpp"

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

// A session as user and room actors know it: its info, its actor, and the
// namespace actor of its node (where frames for it are fanned out).
struct session_ref {
  session_info info;
  caf::actor actor;
  caf::actor node_ns;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_ref& x) {
  return f(caf::meta::type_name("herald.session_ref"), x.info, x.actor, x.node_ns);
}

// One publish: from the HTTP API or from a client.
struct publish_request {
  std::vector<std::string> users;
  std::vector<std::string> clients;
  std::vector<std::string> rooms;
  bool all = false;
  std::string exclude_session;  // the publishing session: no echo of its own room message
  int64_t ttl = -1;             // seconds a user message stays deliverable offline; -1: namespace default
  message msg;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_request& x) {
  return f(caf::meta::type_name("herald.publish_request"), x.users, x.clients, x.rooms, x.all,
           x.exclude_session, x.ttl, x.msg);
}

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

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::connection_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::frame_ptr)
// Parsed on an Asio thread and handed to the session actor on the same node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::wire::client_frame)

CAF_BEGIN_TYPE_ID_BLOCK(herald, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(herald, (herald::message))
  CAF_ADD_TYPE_ID(herald, (herald::session_info))
  CAF_ADD_TYPE_ID(herald, (herald::session_ref))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::session_ref>))
  CAF_ADD_TYPE_ID(herald, (herald::publish_request))
  CAF_ADD_TYPE_ID(herald, (herald::window_totals))
  CAF_ADD_TYPE_ID(herald, (herald::ns_stats))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::session_info>))
  CAF_ADD_TYPE_ID(herald, (std::vector<std::string>))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::message>))
  CAF_ADD_TYPE_ID(herald, (herald::handoff_state))
  CAF_ADD_TYPE_ID(herald, (herald::receipt_counts))

  // session <-> its node's namespace actor
  CAF_ADD_ATOM(herald, herald, attach_atom, "attach")
  CAF_ADD_ATOM(herald, herald, join_atom, "join")
  CAF_ADD_ATOM(herald, herald, leave_atom, "leave")
  CAF_ADD_ATOM(herald, herald, publish_atom, "publish")
  CAF_ADD_ATOM(herald, herald, ack_atom, "ack")
  CAF_ADD_ATOM(herald, herald, closed_atom, "closed")
  CAF_ADD_ATOM(herald, herald, kick_atom, "kick")
  // namespace actor on the home node -> user / room actor (same content)
  CAF_ADD_ATOM(herald, herald, u_attach_atom, "u_attach")
  CAF_ADD_ATOM(herald, herald, u_push_atom, "u_push")
  CAF_ADD_ATOM(herald, herald, u_info_atom, "u_info")
  CAF_ADD_ATOM(herald, herald, u_kick_atom, "u_kick")
  CAF_ADD_ATOM(herald, herald, u_ack_atom, "u_ack")
  CAF_ADD_ATOM(herald, herald, r_join_atom, "r_join")
  CAF_ADD_ATOM(herald, herald, r_leave_atom, "r_leave")
  CAF_ADD_ATOM(herald, herald, r_publish_atom, "r_publish")
  CAF_ADD_ATOM(herald, herald, r_info_atom, "r_info")
  CAF_ADD_ATOM(herald, herald, r_history_atom, "r_history")
  // handing a key's durable state to its new owner (actors/handoff.hpp)
  CAF_ADD_ATOM(herald, herald, handoff_atom, "handoff")
  CAF_ADD_ATOM(herald, herald, u_merge_atom, "u_merge")
  CAF_ADD_ATOM(herald, herald, r_merge_atom, "r_merge")
  CAF_ADD_ATOM(herald, herald, keys_atom, "keys")
  // storage -> user / room actor
  CAF_ADD_ATOM(herald, herald, loaded_atom, "loaded")
  CAF_ADD_ATOM(herald, herald, committed_atom, "committed")
  CAF_ADD_ATOM(herald, herald, checked_atom, "checked")
  // user / room actor -> its namespace actor
  CAF_ADD_ATOM(herald, herald, idle_atom, "idle")
  CAF_ADD_ATOM(herald, herald, online_atom, "online")
  CAF_ADD_ATOM(herald, herald, stop_atom, "stop")
  CAF_ADD_ATOM(herald, herald, tick_atom, "tick")
  // home -> namespace actor of the node where the sessions are
  CAF_ADD_ATOM(herald, herald, deliver_atom, "deliver")
  CAF_ADD_ATOM(herald, herald, r_deliver_atom, "r_deliver")
  CAF_ADD_ATOM(herald, herald, all_deliver_atom, "a_deliver")
  CAF_ADD_ATOM(herald, herald, c_deliver_atom, "c_deliver")
  // node -> its namespace actors: deleted; placement changed (cluster)
  CAF_ADD_ATOM(herald, herald, ns_delete_atom, "ns_delete")
  CAF_ADD_ATOM(herald, herald, ring_atom, "ring")
  // operators
  CAF_ADD_ATOM(herald, herald, stats_atom, "stats")
  CAF_ADD_ATOM(herald, herald, receipt_atom, "receipt")
  CAF_ADD_ATOM(herald, herald, shutdown_atom, "shutdown")
CAF_END_TYPE_ID_BLOCK(herald)
