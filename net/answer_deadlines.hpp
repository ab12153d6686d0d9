#pragma once
// The one deadline keeper of the HTTP API: every call's answer is added
// here, and the server's timer gives "no answer in time" to those past
// their deadline that nothing answered (a node died with the call in
// flight, say). No CAF timeout per call: CAF 0.17 wakes its clock thread
// to set each timeout and again to cancel it, two wake-ups per push that
// were ~5 % of herald's CPU at 20k pushes/s (docs/benchmarks.md).
// Thread-safe: calls add from Asio threads, the timer expires.
#include <mutex>

#include "actors/answer.hpp"
#include "net/deadline_fifo.hpp"

namespace herald {

class answer_deadlines {
 public:
  using clock = deadline_fifo<answer_base>::clock;
  explicit answer_deadlines(clock::duration timeout) : q_(timeout) {}
  void add(const std::shared_ptr<answer_base>& a, clock::time_point now) {
    std::lock_guard lock(mtx_);
    q_.add(a, now);
  }
  // Fails each unanswered answer past its deadline; returns how many.
  size_t expire(clock::time_point now) {
    std::vector<std::shared_ptr<answer_base>> late;
    {
      std::lock_guard lock(mtx_);
      late = q_.take_due(now);
    }
    // Given outside the lock: an answer's callback may take its time.
    size_t n = 0;
    for (auto& a : late) n += a->fail(error{errc::unavailable, "no answer in time"});
    return n;
  }
  size_t size() const {
    std::lock_guard lock(mtx_);
    return q_.size();
  }
  // Answers still held somewhere (given or not): the server waits for
  // these before its Asio threads stop, since each refers to a connection.
  size_t in_flight() const {
    std::lock_guard lock(mtx_);
    return q_.alive();
  }

 private:
  mutable std::mutex mtx_;
  deadline_fifo<answer_base> q_;
};

}  // namespace herald
