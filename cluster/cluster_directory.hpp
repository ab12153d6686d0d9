#pragma once
// The directory of a cluster member: a key's home is its owner on the ring
// over the live members, and each member's namespace actors are known from
// what it announced with its membership. Thread-safe; the membership actor
// updates it, every actor and API call reads it.
#include <map>
#include <string>
#include <vector>

#include "actors/local_directory.hpp"
#include "cluster/ring.hpp"

namespace herald::cluster {

class cluster_directory : public local_directory {
 public:
  using local_directory::local_directory;
  using ns_map = std::map<std::string, caf::actor>;

  // Replaces what is known of the other members (name -> namespace
  // actors) and the members as the cluster view shows them (this node
  // first). Members that drain own no keys: the ring is the others (all of
  // them, if every member drains).
  void set_members(std::map<std::string, ns_map> members, std::vector<member> view);
  ns_map local_namespaces() const;
  std::vector<std::string> member_names() const;

  caf::actor home(const std::string& ns, key_kind kind, const std::string& key) override;
  std::vector<caf::actor> everywhere(const std::string& ns) override;
  std::vector<member> members() override;

 private:
  std::map<std::string, ns_map> remote_;
  std::vector<member> view_;
  ring ring_{std::vector<std::string>{}};
};

}  // namespace herald::cluster
