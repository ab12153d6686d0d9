#pragma once
// One per node, published on node.cluster_listen through CAF's middleman.
// Dials the seeds (again and again, with backoff, so a node that starts
// before its seeds, a restarted node and a healed partition all find their
// way back), exchanges member lists so that knowing one member is enough to
// learn all, and monitors every member: a dead node is a down message, and
// it leaves the membership.
//
// Protocol:
//   (hello, node_info)  -> vector<node_info>   the sender joins; answer: all members
//   (members)           -> vector<node_info>   this node first
//   (dial)                                     internal timer: dial missing seeds
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "actors/protocol.hpp"

namespace herald::cluster {

struct membership_state {
  node_info self;
  std::vector<std::pair<std::string, uint16_t>> seeds;
  std::map<std::string, node_info> members;  // by name, without this node
  std::set<std::string> dialing;             // seeds with a connect in flight
  int backoff_ms = 250;
  static inline const char* name = "herald.membership";
};

// `seeds` are host:port strings (node.cluster_listen of other nodes).
caf::behavior membership_actor(caf::stateful_actor<membership_state>* self, node_info me,
                               std::vector<std::string> seeds);

}  // namespace herald::cluster
