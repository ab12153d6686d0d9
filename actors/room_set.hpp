#pragma once
// The rooms one session is in, as the session actor and the local hub
// keep them: a handful of names (at most limits.max_rooms), scanned in
// place. A vector holds them in 24 B plus one block; an unordered_set
// took 56 B empty and a bucket array and a node per room.
#include <algorithm>
#include <string>
#include <vector>

namespace herald {

class room_set {
 public:
  size_t count(const std::string& room) const { return std::find(names_.begin(), names_.end(), room) != names_.end(); }
  // Whether it was new.
  bool insert(const std::string& room) {
    if (count(room)) return false;
    names_.push_back(room);
    return true;
  }
  // How many it took out (0 or 1).
  size_t erase(const std::string& room) {
    auto i = std::find(names_.begin(), names_.end(), room);
    if (i == names_.end()) return 0;
    *i = std::move(names_.back());  // order is not kept
    names_.pop_back();
    if (names_.empty()) names_.shrink_to_fit();
    return 1;
  }
  size_t size() const { return names_.size(); }
  bool empty() const { return names_.empty(); }
  auto begin() const { return names_.begin(); }
  auto end() const { return names_.end(); }

 private:
  std::vector<std::string> names_;
};

}  // namespace herald
