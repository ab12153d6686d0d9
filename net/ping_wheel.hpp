#pragma once
// Which sessions ping on this tick of a heartbeat timer that ticks every
// second. A session joins one of `ticks` buckets, round robin, and each
// tick pings one bucket: every session once per `ticks` ticks, exactly,
// whoever comes or goes (Engine.IO clients give up when a ping is late),
// and a tick's pings are 1/ticks of the node's. One sweep that pinged
// every session at once put 10k pings on the sockets' threads ahead of
// the deliveries: point-to-point deliveries waited up to ~300 ms
// (docs/benchmarks.md, "Threads per core"). Not thread-safe: the owner
// locks.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

namespace herald {

template <class Session>
class ping_wheel {
 public:
  explicit ping_wheel(int ticks) : buckets_(static_cast<size_t>(std::max(1, ticks))) {}

  void add(std::weak_ptr<Session> s) {
    buckets_[next_].push_back(std::move(s));
    next_ = (next_ + 1) % buckets_.size();
  }

  // This tick's sessions that are still alive; the ended ones leave.
  std::vector<std::shared_ptr<Session>> tick() {
    auto& b = buckets_[at_];
    at_ = (at_ + 1) % buckets_.size();
    std::vector<std::shared_ptr<Session>> due;
    due.reserve(b.size());
    size_t keep = 0;
    for (size_t i = 0; i < b.size(); ++i)
      if (auto p = b[i].lock()) {
        due.push_back(std::move(p));
        if (keep != i) b[keep] = std::move(b[i]);  // a self-move would empty it
        ++keep;
      }
    b.resize(keep);
    if (b.capacity() > 2 * keep + 64) b.shrink_to_fit();
    return due;
  }

  size_t size() const {  // entries, ended sessions not yet dropped included
    size_t n = 0;
    for (auto& b : buckets_) n += b.size();
    return n;
  }

 private:
  std::vector<std::vector<std::weak_ptr<Session>>> buckets_;
  size_t next_ = 0, at_ = 0;
};

}  // namespace herald
