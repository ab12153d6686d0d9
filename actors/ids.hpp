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

// An id's text: the time as at least 11 hex digits, the tag, the sequence
// in hex ("%011llx-%s-%llx", written without printf: ~1.7k instructions a
// push otherwise).
std::string format_id(uint64_t ms, std::string_view tag, uint64_t seq);

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
