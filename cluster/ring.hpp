#pragma once
// Placement: which live node owns a key (a user or a room of a namespace).
// Rendezvous (highest random weight) hashing: every node scores the key and
// the highest score wins. When a node joins it takes over about 1/N of the
// keys, all from other nodes; when one leaves, only its keys move. Pure, and
// the same on every node that sees the same members.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::cluster {

// 64-bit FNV-1a followed by a splitmix64 finaliser: stable across builds and
// machines (std::hash is not).
uint64_t hash64(std::string_view s);

class ring {
 public:
  ring() = default;
  explicit ring(std::vector<std::string> nodes);
  // The owner of `key`; the ring must not be empty.
  const std::string& owner(std::string_view key) const;
  bool empty() const { return nodes_.empty(); }
  size_t size() const { return nodes_.size(); }
  const std::vector<std::string>& nodes() const { return names_; }

  // The placement key of a user or room in a namespace.
  static std::string user_key(std::string_view ns, std::string_view user);
  static std::string room_key(std::string_view ns, std::string_view room);

 private:
  std::vector<std::string> names_;   // sorted
  std::vector<uint64_t> nodes_;      // hash of each name, same order
};

}  // namespace herald::cluster
