#pragma once
// Weak references to things that must be given up on at a deadline, in
// deadline order. Every entry gets the same timeout, so the order they
// arrive in is their deadline order: a deque, not a heap. Entries already
// gone leave from the front as new ones come, so it holds about what is in
// flight, not everything of the last timeout. Pure and not thread-safe:
// net/answer_deadlines.hpp drives it for the API's answers.
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace herald {

template <class T>
class deadline_fifo {
 public:
  using clock = std::chrono::steady_clock;
  explicit deadline_fifo(clock::duration timeout) : timeout_(timeout) {}

  void add(const std::shared_ptr<T>& p, clock::time_point now) {
    while (!q_.empty() && q_.front().second.expired()) q_.pop_front();
    q_.emplace_back(now + timeout_, p);
  }
  // Removes the entries past their deadline (and gone ones before the first
  // that is not); returns those still alive.
  std::vector<std::shared_ptr<T>> take_due(clock::time_point now) {
    std::vector<std::shared_ptr<T>> due;
    while (!q_.empty() && (q_.front().first <= now || q_.front().second.expired())) {
      if (auto p = q_.front().second.lock()) due.push_back(std::move(p));
      q_.pop_front();
    }
    return due;
  }
  std::optional<clock::time_point> next() const {
    if (q_.empty()) return std::nullopt;
    return q_.front().first;
  }
  bool empty() const { return q_.empty(); }
  size_t size() const { return q_.size(); }
  // Entries whose object is still held somewhere.
  size_t alive() const {
    size_t n = 0;
    for (auto& e : q_) n += !e.second.expired();
    return n;
  }

 private:
  clock::duration timeout_;
  std::deque<std::pair<clock::time_point, std::weak_ptr<T>>> q_;
};

}  // namespace herald
