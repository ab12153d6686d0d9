#pragma once
// Where the actor for a user or a room lives. Actors never hold a global
// table of users or rooms: they ask the directory for the namespace actor on
// the key's home node and send there; that namespace actor activates the
// user/room actor. A lone node answers "here"; cluster/ answers with the
// owner on the ring, so the actors do not change when the cluster arrives.
#include <string>
#include <vector>

#include <caf/actor.hpp>

namespace herald {

enum class key_kind { user, room };

// A node as the cluster view shows it.
struct member {
  std::string name;
  std::string http;     // node.listen
  std::string cluster;  // node.cluster_listen
  bool draining = false;  // leaving: owns no keys, closing its sessions
  caf::actor relay;       // its Engine.IO relay (net/eio_relay.hpp), if any
};

class directory {
 public:
  virtual ~directory() = default;
  // The namespace actor of `ns` on the node that owns (kind, key).
  virtual caf::actor home(const std::string& ns, key_kind kind, const std::string& key) = 0;
  // The namespace actor of `ns` on every live node (broadcasts, cluster views).
  virtual std::vector<caf::actor> everywhere(const std::string& ns) = 0;
  // The namespace actor of `ns` on this node, or an invalid handle.
  virtual caf::actor local(const std::string& ns) = 0;
  // This node's name.
  virtual const std::string& node_name() const = 0;
  // The cluster's members as this node sees them, itself first; empty for
  // a lone node.
  virtual std::vector<member> members() = 0;
};

}  // namespace herald
