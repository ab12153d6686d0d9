#include "cluster/cluster_directory.hpp"

#include <mutex>
#include <shared_mutex>

namespace herald::cluster {

void cluster_directory::set_members(std::map<std::string, ns_map> members, std::vector<member> view) {
  std::unique_lock lock(mtx_);
  remote_ = std::move(members);
  view_ = std::move(view);
  std::vector<std::string> names, all{node_};
  for (auto& kv : remote_) all.push_back(kv.first);
  for (auto& m : view_)
    if (!m.draining) names.push_back(m.name);
  ring_ = ring(names.empty() ? std::move(all) : std::move(names));
}

cluster_directory::ns_map cluster_directory::local_namespaces() const {
  std::shared_lock lock(mtx_);
  return ns_map(local_.begin(), local_.end());
}

std::vector<std::string> cluster_directory::member_names() const {
  std::shared_lock lock(mtx_);
  return ring_.empty() ? std::vector<std::string>{node_} : ring_.nodes();
}

caf::actor cluster_directory::home(const std::string& ns, key_kind kind, const std::string& key) {
  std::shared_lock lock(mtx_);
  auto here = [&]() -> caf::actor {
    auto i = local_.find(ns);
    return i == local_.end() ? caf::actor{} : i->second;
  };
  if (ring_.empty()) return here();
  auto& owner = ring_.owner(kind == key_kind::user ? ring::user_key(ns, key) : ring::room_key(ns, key));
  if (owner == node_) return here();
  auto m = remote_.find(owner);
  if (m != remote_.end())
    if (auto a = m->second.find(ns); a != m->second.end()) return a->second;
  // The owner has not announced this namespace yet: serve it here.
  return here();
}

std::vector<member> cluster_directory::members() {
  std::shared_lock lock(mtx_);
  return view_;
}

std::vector<caf::actor> cluster_directory::everywhere(const std::string& ns) {
  std::shared_lock lock(mtx_);
  std::vector<caf::actor> out;
  if (auto i = local_.find(ns); i != local_.end()) out.push_back(i->second);
  for (auto& [name, m] : remote_)
    if (auto a = m.find(ns); a != m.end()) out.push_back(a->second);
  return out;
}

}  // namespace herald::cluster
