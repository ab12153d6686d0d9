#pragma once
// The messages between membership actors (cluster/membership_actor.hpp):
// a member as they exchange it, and their atoms, in a type-ID block of
// their own after actors/'s. Nothing outside cluster/ sends these: the
// node reaches the cluster through node_context's hooks, the HTTP API
// reads the members from the directory.
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "actors/protocol.hpp"

namespace herald::cluster {

// A cluster member as membership actors exchange it.
struct node_info {
  std::string name;
  std::string http;     // node.listen
  std::string cluster;  // node.cluster_listen
  caf::actor agent;     // its membership actor
  // Its namespaces: names, their namespace actors there, settings documents.
  std::vector<std::string> ns_names;
  std::vector<caf::actor> ns_actors;
  std::vector<std::string> ns_docs;
  // Leaving the cluster (SIGTERM): it owns no keys any more and closes its
  // sessions; it stays a member until it is gone.
  bool draining = false;
  // Its Engine.IO relay (net/eio_relay.hpp): Socket.IO requests for the
  // sessions it holds go there from the other members.
  caf::actor relay;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("herald.node_info"), x.name, x.http, x.cluster, x.agent, x.ns_names,
           x.ns_actors, x.ns_docs, x.draining, x.relay);
}

}  // namespace herald::cluster

CAF_BEGIN_TYPE_ID_BLOCK(herald_cluster, caf::id_block::herald::end)
  CAF_ADD_TYPE_ID(herald_cluster, (herald::cluster::node_info))
  CAF_ADD_TYPE_ID(herald_cluster, (std::vector<herald::cluster::node_info>))
  CAF_ADD_ATOM(herald_cluster, herald::cluster, hello_atom, "hello")
  CAF_ADD_ATOM(herald_cluster, herald::cluster, members_atom, "members")
  CAF_ADD_ATOM(herald_cluster, herald::cluster, dial_atom, "dial")
  CAF_ADD_ATOM(herald_cluster, herald::cluster, announce_atom, "announce")
  CAF_ADD_ATOM(herald_cluster, herald::cluster, ns_deleted_atom, "ns_deleted")
  CAF_ADD_ATOM(herald_cluster, herald::cluster, drain_atom, "drain")
CAF_END_TYPE_ID_BLOCK(herald_cluster)
