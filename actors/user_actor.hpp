#pragma once
// One actor per (namespace, user), on the user's home node, while there is
// work for the user. Holds the user's live sessions (on any node) and the
// user's durable inbox (user_inbox, loaded from the store when the actor
// starts). A push goes to the namespace
// actor of every node that has sessions of the user: one message per node.
//
// Protocol (all sent via the home namespace actor, which counts them so
// passivation never drops a message in flight):
//   (u_attach, user, session_ref)        -> uint64 sessions; then replays the
//                                           device's backlog to its node
//   (u_push, user, message, ttl_ms)      -> uint64 sessions reached, once the
//                                           message is durable (ttl_ms > 0)
//   (u_push, user, message, ttl_ms, answer) the same, given to `answer`
//                                           (node-local: see send_push)
//   (u_info, user)                       -> vector<session_info>
//   (u_kick, user, uint16 code)          -> uint64 sessions closed
//   (u_ack, user, device, vector<id>)    -> (no reply) advances the device's cursor
//   (stop)                               -> quits if still idle
// It passivates after a quiet period even with live sessions: it sends them
// with (idle, user, seen, sessions) and the parent keeps them as plain data
// until the next message for the user activates it again with them.
#include <cstdint>
#include <string>
#include <unordered_map>

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/answer.hpp"
#include "actors/context.hpp"
#include "actors/pending_commits.hpp"
#include "actors/protocol.hpp"
#include "actors/user_inbox.hpp"

namespace herald {

struct user_state {
  std::string ns, user;
  caf::actor parent;
  context_ptr ctx;
  std::unordered_map<std::string, session_ref> sessions;  // by session id
  user_inbox inbox;
  pending_commits waiting;  // push answers waiting for the inbox write
  // Sessions catching up on their device's backlog, page by page. Until
  // they have caught up they get no live messages: durable ones reach them
  // through the pages, in publish order.
  struct catch_up {
    uint64_t after = 0;    // last seq sent
    bool reading = false;  // a page is being read from the store
  };
  std::unordered_map<std::string, catch_up> replaying;
  uint64_t seen = 0;        // messages received from the parent
  bool only_attached = true;  // nothing but attaches (and their replays) so far
  static inline const char* name = "herald.user";
};

// `sessions`: the live sessions the parent kept while the user was dormant.
caf::behavior user_actor(caf::stateful_actor<user_state>* self, std::string ns, std::string user,
                         caf::actor parent, context_ptr ctx, std::vector<session_ref> sessions);

// Sends a push whose outcome goes to `ans` on to `to` (a user actor, or the
// namespace actor of the user's home): with the answer when `to` is on this
// node; as a request whose outcome the sender gives to `ans` when it is not
// (an answer cannot cross nodes).
template <class Self>
void send_push(Self* self, const caf::actor& to, const std::string& user, message msg, int64_t ttl_ms,
               answer_ptr ans, caf::timespan timeout) {
  if (to.node() == self->node()) {
    self->send(to, u_push_atom_v, user, std::move(msg), ttl_ms, std::move(ans));
    return;
  }
  self->request(to, timeout, u_push_atom_v, user, std::move(msg), ttl_ms)
    .then([ans](uint64_t n) { ans->give(n); },
          [ans](caf::error& e) { ans->give(error{errc::unavailable, caf::to_string(e)}); });
}

}  // namespace herald
