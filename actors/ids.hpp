#pragma once
// Cluster-unique ids for messages and sessions: <ms hex>-<node tag>-<seq>.
// The node tag is a hash of the node name (unique in the cluster), the
// millisecond prefix keeps ids unique across restarts of one node, and the
// sequence keeps them unique within a millisecond.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald {

int64_t now_ms();

class id_source {
 public:
  explicit id_source(std::string_view node_name);
  std::string next();
  const std::string& tag() const { return tag_; }

 private:
  std::string tag_;
  std::atomic<uint64_t> seq_{0};
};

}  // namespace herald
