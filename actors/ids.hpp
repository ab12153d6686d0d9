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

// A session id: "s" and 14 characters of [0-9A-Za-z_-] holding 84 bits,
// the node tag's 24, 40 of the time in ms (since 2024, wrapping after 34
// years) and 20 of the sequence. 15 bytes fit std::string's inline buffer,
// so none of the id's copies (the session, the hub, a parked user) costs
// an allocation: 270 B less RSS per idle connection than the 22-byte
// form (docs/benchmarks.md, set Q).
std::string format_session_id(uint32_t tag, uint64_t ms, uint64_t seq);

class id_source {
 public:
  explicit id_source(std::string_view node_name);
  // A message (or event) id, ordered by time.
  std::string next();
  // A session id (format_session_id).
  std::string next_session();
  const std::string& tag() const { return tag_; }

 private:
  std::string tag_;
  uint32_t tag_bits_ = 0;
  std::atomic<uint64_t> seq_{0};
};

}  // namespace herald
