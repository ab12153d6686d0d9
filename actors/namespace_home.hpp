#pragma once
// The namespace actor's home side (actors/namespace_home.cpp): activating
// the actors of keys this node owns, routing key-addressed messages, a
// session's attach at its user's home, dormancy, and placement passes.
// Internal to the namespace actor's two files.
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "actors/namespace_actor.hpp"
#include "actors/pass_on.hpp"

namespace herald::ns_home {

using self_ptr = caf::stateful_actor<namespace_state>*;

// The store's answer for a device's attach: whether it has a backlog.
struct backlog_checked {
  uint64_t token = 0;
  bool backlog = true;
};
// The keys the store holds in this namespace (for handoffs).
struct stored_keys {
  std::vector<std::string> users, rooms;
};
// A timed placement pass: 0 is the sweep, 1..3 repeat the ring pass.
struct placement_pass {
  uint64_t pass = 0;
};

// This namespace actor, typed: what it hands out as a session's node
// actor and its children's parent.
inline ns_handle self_handle(self_ptr self) { return as_namespace(caf::actor{self}); }

// The home of (kind, key) when it is another node, else an invalid handle.
ns_handle owner_elsewhere(self_ptr self, key_kind kind, const std::string& key);
// The user/room actor of `key` on this node, activated when needed; counts
// one message forwarded to it.
caf::actor activate(self_ptr self, key_kind kind, const std::string& key);
template <key_kind K>
key_handle<K> activate(self_ptr self, const std::string& key) {
  return key_handle<K>::assume(activate(self, K, key));  // a user actor for a user, a room actor for a room
}
// This node's activated actor when the key is homed here, else the
// namespace actor on its home node.
template <key_kind K>
key_handle<K> target(self_ptr self, const std::string& key) {
  if (auto home = owner_elsewhere(self, K, key)) return home;
  return activate<K>(self, key);
}
// Whether the current message came from another node (its ring chose this
// one: re-forwarding could bounce between two nodes whose views differ).
bool from_other_node(self_ptr self);
void schedule_sweep(self_ptr self);

// Forwards a key-addressed message to the actor of its key; the answer
// goes straight back to the asker.
template <class T>
void route(self_ptr self, T& m) {
  constexpr auto kind = kind_of<T>();
  const auto key = key_of(m);  // a copy: m is moved on
  key_handle<kind> dest;
  if (from_other_node(self)) {
    dest = activate<kind>(self, key);
    if (owner_elsewhere(self, kind, key)) schedule_sweep(self);
  } else {
    dest = target<kind>(self, key);
  }
  if (dest.node() != self->node()) self->state.ctx->stats->internode("route").Increment();
  pass_on(self, dest, std::move(m), self->state.ctx->ask_timeout);
}

// A session's attach at its user's home (this node): to the user's actor
// when it has one or the device has a stored backlog (`then(actor, 0)`,
// activation counted the message), else it is parked here without one
// (`then({}, sessions)`).
void attach_at_home(self_ptr self, session_ref ref, attach_then then);
void finish_check(self_ptr self, const backlog_checked& c);
// Attaches one of this node's sessions to its user's home.
void attach_to_home(self_ptr self, const session_ref& ref);
// A parked session of another node, or of this one, ended.
void forget_parked(self_ptr self, const caf::actor_addr& who);
// Keeps a live session of a user without an actor; answers how many.
size_t park(self_ptr self, const std::string& user, session_ref ref);
// A child ended; it may have been handing off.
void child_ended(self_ptr self, const caf::actor_addr& who);

// The ring changed, or a repeat of its pass is due: sessions to their
// current homes, the state of keys owned elsewhere to their owners.
void placement_pass_all(self_ptr self);
void hand_off_moved(self_ptr self);
void queue_stored(self_ptr self, const stored_keys& k);
// Keys of this namespace still to hand to their owners (a drain waits for 0).
size_t handoffs_pending(self_ptr self);
// Ends every user and room actor this actor spawned.
void end_children(self_ptr self);

}  // namespace herald::ns_home

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ns_home::backlog_checked)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ns_home::stored_keys)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ns_home::placement_pass)
