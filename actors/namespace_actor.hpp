#pragma once
// One actor per namespace on every node: the wiring between messages and
// three plain parts, each in its own file and tested without actors:
//  - local_hub: this node's sessions and room memberships, and the
//    fan-out of every message to them (fanout_interface);
//  - home_registry: the user and room actors activated for keys this node
//    owns, dormant users' sessions, attaches waiting for a store check;
//  - placement: the ring epoch, the handoff queue, the sweep.
// Interfaces it serves: node_local_interface (sessions and the API on this
// node), user_interface and room_interface (routed by key: to the key's
// home node, where it activates the actor; actors/key_protocol.hpp),
// fanout_interface, parent_interface (its children) and
// operator_interface.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/context.hpp"
#include "actors/home_registry.hpp"
#include "actors/local_hub.hpp"
#include "actors/placement.hpp"
#include "actors/protocol.hpp"

namespace herald {

struct namespace_state {
  std::string ns;
  context_ptr ctx;
  local_hub hub{nullptr};
  home_registry home;
  placement place;
  // This node's sessions whose attach is under way (after it, the hub has
  // them). A session says when it ends (session_gone): no monitor and no
  // map by address per connection.
  std::unordered_set<std::string> attaching;
  // Whose down message is it: other nodes' sessions parked here (user, id),
  // and every child spawned and not ended.
  std::unordered_map<caf::actor_addr, std::pair<std::string, std::string>> parked_by_addr;
  std::unordered_map<caf::actor_addr, std::pair<key_kind, std::string>> children;
  std::unordered_map<uint64_t, caf::response_promise> reading;  // receipt reads, by token
  uint64_t next_read = 0;
  caf::actor hooks;  // this namespace's webhook actor on this node (linked)
  static inline const char* name = "herald.namespace";
};

caf::behavior namespace_actor(caf::stateful_actor<namespace_state>* self, std::string ns,
                              context_ptr ctx);

}  // namespace herald
