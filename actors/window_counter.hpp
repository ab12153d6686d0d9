#pragma once
// Counts events over the last minute, hour and day in fixed memory: 60
// one-second buckets and 1440 one-minute buckets, each stamped with the slot
// it belongs to so stale buckets are ignored without a sweep.
#include <array>
#include <cstdint>

namespace herald {

struct window_totals {
  uint64_t minute = 0, hour = 0, day = 0;
};

class window_counter {
 public:
  void add(int64_t now_ms, uint64_t n = 1) {
    int64_t sec = now_ms / 1000, min = sec / 60;
    auto& s = secs_[sec % 60];
    if (s.stamp != sec) s = {sec, 0};
    s.count += n;
    auto& m = mins_[min % 1440];
    if (m.stamp != min) m = {min, 0};
    m.count += n;
  }

  window_totals totals(int64_t now_ms) const {
    int64_t sec = now_ms / 1000, min = sec / 60;
    window_totals t;
    for (auto& s : secs_)
      if (s.stamp > sec - 60 && s.stamp <= sec) t.minute += s.count;
    for (auto& m : mins_) {
      if (m.stamp > min - 1440 && m.stamp <= min) t.day += m.count;
      if (m.stamp > min - 60 && m.stamp <= min) t.hour += m.count;
    }
    return t;
  }

 private:
  struct bucket {
    int64_t stamp = -1;
    uint64_t count = 0;
  };
  std::array<bucket, 60> secs_{};
  std::array<bucket, 1440> mins_{};
};

}  // namespace herald
