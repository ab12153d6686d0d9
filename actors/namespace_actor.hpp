#pragma once
// One actor per namespace on every node. Three roles, each a group of
// handlers:
//  - gateway for this node's sessions and API calls: attach, join, leave,
//    publish, ack, stats; it routes user/room traffic through the directory;
//  - home of the users and rooms this node owns: it activates their actors on
//    first use, forwards (delegates) to them, and passivates them when idle;
//  - local fan-out: it holds this node's sessions and their connections and
//    writes one encoded frame to each recipient (deliver, r_deliver, ...).
//
// Protocol, local side (from session actors / the API on this node); the
// outcome goes to the answer (actors/answer.hpp), not back as a response:
//   (attach, session_ref, connection_ptr, answer)    -> uint64 (this node's sessions)
//   (join, session_id, rooms, since_ids, answer)     -> uint64 rooms joined
//   (leave, session_id, rooms, answer)               -> uint64 rooms left
//   (publish, publish_request, answer)               -> uint64 sessions reached
//   (ack, user, client, ids)                         -> (no reply)
//   (u_info|u_kick|r_info ...)                       -> forwarded to the home
//   (stats)                                          -> ns_stats
//   (receipt, message_id)                            -> receipt_counts (this node's)
//   (shutdown, code, reason)                         -> uint64 sessions closed
// Fan-out side (from user/room actors anywhere):
//   (deliver, message, session_ids), (deliver, messages, session_id) [replay],
//   (r_deliver, room, message, exclude),
//   (a_deliver, message) -> uint64, (c_deliver, message, clients) -> uint64
//   (each recipient writes the receipt counts of its deliveries before it
//   answers; a receipt is the sum of every node's counts)
// Passivation: (idle, is_room, key, seen) from a room actor and (idle, user,
// seen, sessions) from a user actor; the actor is stopped when nothing sent
// to it is still on its way, and a user's sessions stay here (dormant).
// Placement (cluster): (ring) re-attaches sessions to the current owners and
// hands the durable state of keys owned elsewhere to their owners, for the
// actors active here and for what the store holds (keys); (u_merge|r_merge)
// from a previous owner go to the user/room actor here.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/context.hpp"
#include "actors/pending_commits.hpp"
#include "actors/protocol.hpp"

namespace herald {

struct local_session {
  session_info info;
  caf::actor actor;
  connection_ptr conn;
  std::unordered_set<std::string> rooms;
};

struct activated_actor {
  caf::actor actor;
  uint64_t sent = 0;     // messages forwarded; compared with the actor's count on idle
  bool leaving = false;  // handing its state to the key's new owner
};

// What to do once a session's attach is settled at its user's home: hand it
// to the user's actor, or (an invalid actor) it waits there without one.
using attach_then = std::function<void(caf::actor user_actor, uint64_t sessions)>;

// A device's attach waiting for the store to say whether it has a backlog.
struct pending_attach {
  session_ref ref;
  attach_then then;
};

struct namespace_state {
  std::string ns;
  context_ptr ctx;
  std::unordered_map<std::string, local_session> sessions;                             // by id
  std::unordered_map<caf::actor_addr, std::string> session_by_addr;                    // for down_msg
  std::unordered_map<std::string, std::unordered_map<std::string, connection_ptr>> local_rooms;
  std::unordered_map<std::string, activated_actor> users, rooms;                       // homed here
  // Live sessions of users homed here that have no actor: passivated while
  // connected, or never needed (a session without a device has no backlog
  // to replay). The next message for the user activates it with them.
  std::unordered_map<std::string, std::vector<session_ref>> dormant;                   // by user
  std::unordered_map<caf::actor_addr, std::string> dormant_by_addr;                    // other nodes' sessions: user
  std::unordered_map<uint64_t, pending_attach> checking;  // by token
  uint64_t next_check = 0;
  std::unordered_set<std::string> online_users, active_rooms;                          // homed here
  uint64_t ring_epoch = 0;  // placement changes seen (ring_atom)
  // Keys stored here that another node owns, waiting for their handoff
  // (is_room, key); at most `max_handoffs` actors hand off at a time.
  std::deque<std::pair<bool, std::string>> handoff_queue;
  size_t handoffs_running = 0;
  bool sweep_scheduled = false;  // a placement pass for misplaced actors is due
  // Every user/room actor spawned and not yet ended: (is_room, key).
  std::unordered_map<caf::actor_addr, std::pair<bool, std::string>> children;
  window_counter published, delivered, acked;
  pending_commits waiting;  // a_deliver / c_deliver answers waiting for their receipt counts
  // Receipt reads on the store's reader thread, by token.
  std::unordered_map<uint64_t, caf::response_promise> reading;
  uint64_t next_read = 0;
  static inline const char* name = "herald.namespace";
};

caf::behavior namespace_actor(caf::stateful_actor<namespace_state>* self, std::string ns,
                              context_ptr ctx);

}  // namespace herald
