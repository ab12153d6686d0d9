#pragma once
// Between a namespace actor and the user and room actors it activated (its
// children, on its node), and what the node and operators ask of a
// namespace actor. Passivation is a handshake: a child offers to stop with
// the count of messages it has seen, and its parent stops it only when that
// equals the count it forwarded (nothing is in flight).
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/send.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/directory.hpp"
#include "actors/interface.hpp"
#include "actors/types.hpp"

namespace herald {

// -- child -> parent --------------------------------------------------------------

struct user_idle {  // may stop; its live sessions stay with the parent (dormant)
  std::string user;
  uint64_t seen = 0;
  std::vector<session_ref> sessions;
};
struct room_idle {  // may stop
  std::string room;
  uint64_t seen = 0;
};
struct key_online {  // a user has live sessions / a room has members, or no longer
  key_kind kind = key_kind::user;
  std::string key;
  bool on = false;
  // Off because the key moved to another node (a handoff): not an offline
  // user, so no webhook event.
  bool moved = false;
};

// A child handing off is done (its state merged at the new owner, or the
// attempt failed and the next pass repeats it). It forwards what still
// reaches it until its parent's child_stop, which follows everything the
// parent routed to it: ending on its own, it bounced pushes still on
// their way (503 request_receiver_down in a clean-clone CI run).
struct handoff_done {
  caf::actor_addr child;  // sent from store callbacks too: not the sender
};

struct parent_interface : interface<user_idle, room_idle, key_online, handoff_done> {};

// A user or room actor tells its parent it is done handing off: now, or
// once a store commit is through (the callback runs on the store's thread).
template <class Self>
void tell_handoff_done(Self* self) {
  caf::anon_send(self->state.parent.raw(), handoff_done{self->address()});
}
template <class Self>
auto handoff_done_on_commit(Self* self) {
  return [parent = self->state.parent.raw(), child = self->address()](const auto&) {
    caf::anon_send(parent, handoff_done{child});
  };
}

// -- parent -> child ----------------------------------------------------------------

struct child_stop {};  // stop, if still idle
struct hand_off {      // hand the key's state to its new owner, forward everything there
  caf::actor to;
};

struct child_interface : interface<child_stop, hand_off> {};

// -- node and operators -> namespace actor ----------------------------------------

struct placement_changed {};  // the ring changed: re-attach, hand off (cluster)
struct ns_retire {};          // the namespace was deleted
struct close_sessions {       // -> uint64 sessions closed (shutdown: 1001)
  uint16_t code = 0;
  std::string reason;
  // A drain closes its sessions over several steps: this one closes
  // 1/steps_left of those still open (1: all).
  uint32_t steps_left = 1;
};
struct drain_progress {};  // -> uint64 keys still to hand to their new owners
struct stats_request {};  // -> ns_stats, this node's share
struct receipt_request {  // -> receipt_counts, this node's share
  std::string id;
};

struct prune_request {  // -> uint64 devices this node's users forgot: not seen since before_ms, offline
  int64_t before_ms = 0;
};

struct webhooks_request {};  // -> vector<webhook_status>: this node's share (none without webhooks)
struct node_stats_request {};  // -> vector<node_stats>: this node's share with its name (one)

struct operator_interface : interface<placement_changed, ns_retire, close_sessions, drain_progress, stats_request,
                                      receipt_request, prune_request, webhooks_request, node_stats_request> {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stats_request&) {
  return f(caf::meta::type_name("herald.node_stats_request"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, webhooks_request&) {
  return f(caf::meta::type_name("herald.webhooks_request"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats_request&) {
  return f(caf::meta::type_name("herald.stats_request"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prune_request& x) {
  return f(caf::meta::type_name("herald.prune_request"), x.before_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, receipt_request& x) {
  return f(caf::meta::type_name("herald.receipt_request"), x.id);
}

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_idle)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::room_idle)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::key_online)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::handoff_done)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::child_stop)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hand_off)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::placement_changed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ns_retire)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::close_sessions)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::drain_progress)
