#pragma once
// Which of the node's WebSocket sessions ping on this tick of the
// heartbeat timer. The timer ticks every second and a round lasts
// `heartbeat` ticks: every session in the list pings once per round, a
// slice of the list per tick. One sweep that pinged all of them at once
// put 10k pings on the sockets' threads ahead of the deliveries: 10k
// point-to-point pushes a second then waited up to ~300 ms (delivery
// latency max 230-364 ms against 34-65 ms without heartbeats in the same
// 25 s runs; docs/benchmarks.md, "Threads per core").
#include <algorithm>
#include <cstddef>
#include <utility>

namespace herald {

class ping_rotation {
 public:
  explicit ping_rotation(int ticks_per_round) : ticks_(std::max(1, ticks_per_round)) {}

  // True when the next take() starts a round: the list may be compacted
  // before it (between rounds nothing else may shrink it).
  bool round_starts() const { return tick_ == 0; }

  // The [first, last) of a list of `n` to ping on this tick. The round's
  // last tick takes the rest, sessions added during the round included.
  std::pair<size_t, size_t> take(size_t n) {
    if (tick_ == 0) {
      cursor_ = 0;
      per_tick_ = (n + static_cast<size_t>(ticks_) - 1) / static_cast<size_t>(ticks_);
    }
    size_t first = std::min(cursor_, n);
    size_t last = tick_ + 1 == ticks_ ? n : std::min(n, first + per_tick_);
    cursor_ = last;
    tick_ = (tick_ + 1) % ticks_;
    return {first, last};
  }

 private:
  int ticks_;
  int tick_ = 0;
  size_t cursor_ = 0, per_tick_ = 0;
};

}  // namespace herald
