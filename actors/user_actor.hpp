#pragma once
// One actor per (namespace, user), on the user's home node. Holds the user's
// live sessions (on any node) and hands each push to the namespace actor of
// every node that has some of them: one message per node, not per session.
//
// Protocol (all sent via the home namespace actor, which counts them so
// passivation never drops a message in flight):
//   (u_attach, user, session_ref)        -> uint64 sessions
//   (u_push, user, message)              -> uint64 sessions reached
//   (u_info, user)                       -> vector<session_info>
//   (u_kick, user, uint16 code)          -> uint64 sessions closed
//   (u_ack, user, client, vector<id>)    -> (no reply)
//   (stop)                               -> quits if still idle
#include <cstdint>
#include <string>
#include <unordered_map>

#include <caf/stateful_actor.hpp>

#include "actors/context.hpp"
#include "actors/protocol.hpp"

namespace herald {

struct user_state {
  std::string ns, user;
  caf::actor parent;
  context_ptr ctx;
  std::unordered_map<std::string, session_ref> sessions;  // by session id
  uint64_t seen = 0;        // messages received from the parent
  uint64_t idle_token = 0;  // invalidates stale idle ticks
  static inline const char* name = "herald.user";
};

caf::behavior user_actor(caf::stateful_actor<user_state>* self, std::string ns, std::string user,
                         caf::actor parent, context_ptr ctx);

}  // namespace herald
