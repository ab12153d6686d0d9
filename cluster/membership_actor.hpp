#pragma once
// One per node, published on node.cluster_listen through CAF's middleman.
// Dials the seeds (again and again, with backoff, so a node that starts
// before its seeds, a restarted node and a healed partition all find their
// way back), exchanges member lists so that knowing one member is enough to
// learn all (every few seconds, so a member lost over one broken link comes
// back), dials every member it learns of directly on its cluster address,
// and monitors every member: a dead node is a down message, and it leaves
// the membership.
//
// Protocol:
//   (hello, node_info)  -> vector<node_info>   the sender joins; answer: all members
//   (members)           -> vector<node_info>   this node first
//   (dial, token)                              internal timer: dial missing seeds, gossip
//   (announce)                                 this node's namespaces changed: tell all
//   (ns_deleted, name, bool spread)            a namespace was deleted (spread: tell all)
//   (drain)             -> bool                this node leaves: it owns no keys from now on
//
// What members announce feeds the cluster_directory; after every change the
// node's namespace actors get (ring) so they re-attach their sessions to the
// current owners.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "actors/node.hpp"
#include "cluster/cluster_directory.hpp"
#include "cluster/protocol.hpp"

namespace herald::cluster {

// Where CAF should dial to reach a member's host:port: a loopback port of
// the TLS tunnel (net/cluster_tunnel.hpp), or an error. Empty: directly.
using dial_fn = std::function<herald::result<uint16_t>(const std::string& host, uint16_t port)>;

struct membership_state {
  node_info self;
  std::vector<std::pair<std::string, uint16_t>> seeds;
  std::map<std::string, node_info> members;  // by name, without this node
  std::set<std::string> dialing;             // addresses with a connect in flight
  std::set<caf::actor_addr> watched;         // members' namespace actors we monitor
  int backoff_ms = 250;
  uint64_t dial_token = 0;  // only the latest scheduled dial runs
  std::set<std::string> deleted;  // namespaces deleted while this node ran: never re-adopted
  std::shared_ptr<cluster_directory> dir;
  herald::node* local = nullptr;
  dial_fn dial_via;
  static inline const char* name = "herald.membership";
};

// `seeds` are host:port strings (node.cluster_listen of other nodes).
caf::behavior membership_actor(caf::stateful_actor<membership_state>* self, node_info me,
                               std::vector<std::string> seeds, std::shared_ptr<cluster_directory> dir,
                               herald::node* local, dial_fn dial_via = {});

}  // namespace herald::cluster
