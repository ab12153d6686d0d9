#pragma once
// The directory of a lone node: every key lives here.
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "actors/directory.hpp"

namespace herald {

class local_directory : public directory {
 public:
  explicit local_directory(std::string node_name) : node_(std::move(node_name)) {}

  virtual ~local_directory() = default;
  void add(const std::string& ns, caf::actor a) {
    std::unique_lock lock(mtx_);
    local_[ns] = std::move(a);
  }
  void remove(const std::string& ns) {
    std::unique_lock lock(mtx_);
    local_.erase(ns);
  }
  std::vector<caf::actor> all_local() const {
    std::shared_lock lock(mtx_);
    std::vector<caf::actor> out;
    for (auto& kv : local_) out.push_back(kv.second);
    return out;
  }

  caf::actor home(const std::string& ns, key_kind, const std::string&) override { return local(ns); }
  std::vector<caf::actor> everywhere(const std::string& ns) override {
    auto a = local(ns);
    if (!a) return {};
    return {a};
  }
  caf::actor local(const std::string& ns) override {
    std::shared_lock lock(mtx_);
    auto i = local_.find(ns);
    return i == local_.end() ? caf::actor{} : i->second;
  }
  const std::string& node_name() const override { return node_; }
  std::vector<member> members() override { return {}; }

 protected:
  std::string node_;
  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, caf::actor> local_;
};

}  // namespace herald
