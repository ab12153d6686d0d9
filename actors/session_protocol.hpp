#pragma once
// Between a session and its node: what the session actor accepts, and what
// sessions (and the HTTP API, for publishes) ask of their node's namespace
// actor. The requests are node-local: each carries the answer that its
// outcome goes to (actors/answer.hpp) and a connection, neither of which
// crosses nodes.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/answer.hpp"
#include "actors/connection.hpp"
#include "actors/interface.hpp"
#include "actors/types.hpp"
#include "actors/webhook_protocol.hpp"
#include "actors/wire.hpp"
#include "storage/record.hpp"

namespace herald {

// -- to a session actor ---------------------------------------------------------

struct session_closed {};  // its socket is gone: the actor ends
struct session_attached {  // its namespace actor registered it (or could not)
  bool ok = false;
};
struct session_kick {  // close the connection with `code` (may come from another node)
  uint16_t code = 0;
  std::string reason;
};

// The session's own room permission checks (room_policy = callback): one
// per room of the join numbered `join`, with its verdict.
struct room_checked {
  uint64_t join = 0;
  std::string room;
  status verdict;
};

struct session_interface : interface<wire::client_frame, session_closed, session_attached, session_kick, room_checked> {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_kick& x) {
  return f(caf::meta::type_name("herald.session_kick"), x.code, x.reason);
}

// -- from sessions and the API to their node's namespace actor -----------------

struct attach_session {  // answer: this node's session count, once the user's home has it
  session_ref ref;
  connection_ptr conn;
  answer_ptr ans;
  storage::device_record device;  // what the connect tells of the device, for its record
};
struct join_rooms {  // answer: rooms joined
  std::string session;
  std::vector<std::string> rooms;
  std::vector<std::string> since;  // per room, empty for none
  answer_ptr ans;
};
struct leave_rooms {  // answer: rooms left
  std::string session;
  std::vector<std::string> rooms;
  answer_ptr ans;
};
struct publish_call {  // answer: sessions reached
  publish_request req;
  answer_ptr ans;
};
struct session_gone {  // no answer: the session actor ended (its last message)
  std::string session;
};
struct client_ack {  // no answer
  std::string user;
  std::string client;
  std::vector<std::string> ids;
};
struct gather_stats {  // answer: the namespace's numbers, summed over every node
  answer_of<ns_stats> ans;
};
struct gather_receipt {  // answer: a message's receipt, summed over every node
  std::string id;
  answer_of<receipt_counts> ans;
};

struct gather_prune {  // answer: devices forgotten, summed over every node
  int64_t before_ms = 0;
  answer_ptr ans;
};

struct gather_webhooks {  // answer: every node's share of the namespace's webhook queue
  answer_of<std::vector<webhook_status>> ans;
};

struct gather_node_stats {  // answer: each node's share of the namespace's numbers
  answer_of<std::vector<node_stats>> ans;
};

struct node_local_interface : interface<attach_session, session_gone, join_rooms, leave_rooms, publish_call, client_ack,
                                        gather_stats, gather_receipt, gather_prune, gather_webhooks,
                                        gather_node_stats> {};

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::session_closed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::session_attached)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::room_checked)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::attach_session)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::join_rooms)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::leave_rooms)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::publish_call)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::session_gone)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::client_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::gather_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::gather_receipt)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::gather_prune)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::gather_webhooks)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::gather_node_stats)
