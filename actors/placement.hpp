#pragma once
// Placement of one namespace's keys on this node, as the ring changes: the
// epoch (placement changes seen), the keys the store holds that another
// node owns now (handed off a batch at a time, each by an actor that loads
// the key's state and sends it), and whether a sweep for actors activated
// here through a stale route is due. Pure; the namespace actor drives it.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "actors/directory.hpp"

namespace herald {

class placement {
 public:
  // Handoffs running at once: each holds a key's whole state in memory.
  static constexpr size_t max_handoffs = 64;
  using key = std::pair<key_kind, std::string>;

  uint64_t epoch() const { return epoch_; }
  void changed() { ++epoch_; }

  // A stored key another node owns: handed off when there is room.
  void queue(key_kind kind, std::string k) { queue_.emplace_back(kind, std::move(k)); }
  // The queued keys to hand off now, at most as many as there is room for;
  // `skip(kind, key)` drops one (active already, or owned here again).
  // Each returned key counts as running until `finished`.
  template <class Skip>
  std::vector<key> next(Skip skip) {
    std::vector<key> out;
    while (running_ < max_handoffs && !queue_.empty()) {
      auto k = std::move(queue_.front());
      queue_.pop_front();
      if (skip(k.first, k.second)) continue;
      ++running_;
      out.push_back(std::move(k));
    }
    return out;
  }
  // An active actor starts handing its key off (it counts as running too).
  void started() { ++running_; }
  void finished() {
    if (running_ > 0) --running_;
  }
  size_t running() const { return running_; }
  size_t queued() const { return queue_.size(); }
  // A scan of the store for keys to hand off is under way.
  void scan_started() { ++scanning_; }
  void scan_done() {
    if (scanning_ > 0) --scanning_;
  }
  // Keys not yet handed to their owners, as far as this node knows (a scan
  // counts as one until it has reported): 0 when a drain may end.
  size_t pending() const { return running_ + queue_.size() + scanning_; }

  // True when a sweep must be scheduled (none is due yet).
  bool want_sweep() {
    if (sweep_due_) return false;
    sweep_due_ = true;
    return true;
  }
  void swept() { sweep_due_ = false; }

 private:
  uint64_t epoch_ = 0;
  std::deque<key> queue_;
  size_t running_ = 0;
  size_t scanning_ = 0;
  bool sweep_due_ = false;
};

}  // namespace herald
