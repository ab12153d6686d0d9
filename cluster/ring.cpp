#include "cluster/ring.hpp"

#include <algorithm>

namespace herald::cluster {

namespace {
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

uint64_t hash64(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return mix(h);
}

ring::ring(std::vector<std::string> nodes) : names_(std::move(nodes)) {
  std::sort(names_.begin(), names_.end());
  names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
  for (auto& n : names_) nodes_.push_back(hash64(n));
}

const std::string& ring::owner(std::string_view key) const {
  auto k = hash64(key);
  size_t best = 0;
  uint64_t best_score = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto score = mix(nodes_[i] ^ k);
    // Ties (astronomically rare) go to the smaller name: still deterministic.
    if (i == 0 || score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return names_[best];
}

std::string ring::user_key(std::string_view ns, std::string_view user) {
  std::string k(ns);
  k += std::string("\0u\0", 3);
  k += user;
  return k;
}

std::string ring::room_key(std::string_view ns, std::string_view room) {
  std::string k(ns);
  k += std::string("\0r\0", 3);
  k += room;
  return k;
}

}  // namespace herald::cluster
