#pragma once
// Admission of API requests by the node's delivery backlog. A big
// fan-out's frames (net/send_queue.hpp, `bulk`) are counted from the push
// into a socket's queue until its writer takes them; while they average
// more than `per_session` per open WebSocket session, a keep-alive HTTP
// connection's next request is not read until the writers have brought
// the backlog under that bound, or `max_hold` has passed.
//
// Why: the node's sockets are written on their own threads at a lower
// priority while a big fan-out's writes wait for company (ws_session's
// delayed pass), so that a publish's round trip does not queue behind
// them; this gate is what keeps the publishers from then outrunning the
// writes (docs/benchmarks.md, "The cluster"). Pure (atomics and a mutex,
// no sockets), so Catch2 drives it.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace herald {

class backlog_gate {
 public:
  using resume_fn = std::function<void()>;

  // per_session 0: the gate never holds.
  backlog_gate(int64_t per_session, std::chrono::milliseconds max_hold, int64_t floor = 1024)
    : per_session_(per_session), floor_(floor), max_hold_(max_hold) {}

  bool enabled() const { return per_session_ > 0; }
  int64_t per_session() const { return per_session_; }
  std::chrono::milliseconds max_hold() const { return max_hold_; }
  int64_t frames() const { return frames_.load(std::memory_order_relaxed); }

  // Bulk frames pushed into sockets' queues.
  void queued(int64_t n) { frames_.fetch_add(n, std::memory_order_relaxed); }

  // Bulk frames taken by writers (or dropped with their connection): the
  // held requests go on once the backlog is under the bound.
  void taken(int64_t n, size_t sessions) {
    auto now = frames_.fetch_sub(n, std::memory_order_relaxed) - n;
    if (held_count_.load(std::memory_order_relaxed) > 0 && now <= bound(sessions)) release();
  }

  bool over(size_t sessions) const { return enabled() && frames() > bound(sessions); }

  // Keeps `resume` until the backlog is under the bound (taken() or
  // release() calls it, on their thread); false, keeping nothing, when it
  // is under the bound already. The caller bounds the wait by max_hold().
  bool hold(size_t sessions, resume_fn resume) {
    std::lock_guard lock(mtx_);
    if (!over(sessions)) return false;
    held_.push_back(std::move(resume));
    held_count_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Every held request goes on.
  void release() {
    std::vector<resume_fn> out;
    {
      std::lock_guard lock(mtx_);
      out.swap(held_);
      held_count_.store(0, std::memory_order_relaxed);
    }
    for (auto& f : out) f();
  }

  size_t held() const { return static_cast<size_t>(held_count_.load(std::memory_order_relaxed)); }

 private:
  int64_t bound(size_t sessions) const { return per_session_ * static_cast<int64_t>(sessions) + floor_; }

  const int64_t per_session_;
  const int64_t floor_;  // a node with few sessions is never held by a handful of frames
  const std::chrono::milliseconds max_hold_;
  std::atomic<int64_t> frames_{0};
  std::atomic<int64_t> held_count_{0};
  std::mutex mtx_;
  std::vector<resume_fn> held_;
};

}  // namespace herald
