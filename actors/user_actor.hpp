#pragma once
// One actor per (namespace, user), on the user's home node, while there is
// work for the user. Holds the user's live sessions (on any node) and the
// user's durable inbox (user_inbox, loaded from the store when the actor
// starts). A push goes to the namespace
// actor of every node that has sessions of the user: one message per node.
//
// It serves user_interface (actors/key_protocol.hpp), every message sent
// via the home namespace actor, which counts them so passivation never
// drops a message in flight; a push answers once it is durable (ttl > 0).
// It passivates after a quiet period even with live sessions: it sends them
// with user_idle and the parent keeps them as plain data until the next
// message for the user activates it again with them. Handing off, it
// forwards everything to the new owner (one generated handler per message).
#include <cstdint>
#include <deque>
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
  handle<parent_interface> parent;
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
  // Durable messages delivered live whose acks are checked after the
  // namespace's undelivered_after (webhook `undelivered`), in due order.
  struct ack_check {
    std::string id;
    uint64_t seq = 0;
    int64_t due_ms = 0;
    int64_t expires_at = 0;
    std::string data;  // empty when the namespace leaves it out
    std::vector<std::string> devices;  // those of the sessions it reached
  };
  std::deque<ack_check> ack_checks;
  // Device-record reads in flight (GET devices, a forget), by token.
  struct device_op {
    bool forget = false;
    std::string device;
    bool only_if_offline = false;
    answer_of<std::vector<device_info>> list_ans;
    answer_ptr forget_ans;
    caf::response_promise rp;  // when the asker is on another node
  };
  std::unordered_map<uint64_t, device_op> device_ops;
  uint64_t next_op = 0;
  bool ack_timer = false;
  uint64_t seen = 0;        // messages received from the parent
  bool only_attached = true;  // nothing but attaches (and their replays) so far
  static inline const char* name = "herald.user";
};

// `sessions`: the live sessions the parent kept while the user was dormant.
caf::behavior user_actor(caf::stateful_actor<user_state>* self, std::string ns, std::string user,
                         handle<parent_interface> parent, context_ptr ctx, std::vector<session_ref> sessions);

}  // namespace herald
