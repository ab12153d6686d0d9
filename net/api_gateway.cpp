#include "net/api_gateway.hpp"

#include <caf/all.hpp>

#include "actors/protocol.hpp"

namespace herald {

size_t deadline_queue::expire(clock::time_point now) {
  size_t n = 0;
  for (auto& c : q_.take_due(now)) {
    if (!c->claim()) continue;
    c->expire();
    ++n;
  }
  return n;
}

void answer_deadlines::add(const answer_ptr& a, clock::time_point now) {
  std::lock_guard lock(mtx_);
  q_.add(a, now);
}

size_t answer_deadlines::expire(clock::time_point now) {
  std::vector<answer_ptr> late;
  {
    std::lock_guard lock(mtx_);
    late = q_.take_due(now);
  }
  // Given outside the lock: an answer's callback may take its time.
  size_t n = 0;
  for (auto& a : late) n += a->give(error{errc::unavailable, "no answer in time"});
  return n;
}

size_t answer_deadlines::size() const {
  std::lock_guard lock(mtx_);
  return q_.size();
}

size_t answer_deadlines::in_flight() const {
  std::lock_guard lock(mtx_);
  return q_.alive();
}

namespace {
using self_ptr = caf::stateful_actor<api_gateway_state>*;

// One timer at a time, for the earliest deadline.
void arm(self_ptr self) {
  auto& st = self->state;
  auto next = st.deadlines.next();
  if (st.timer_armed || !next) return;
  st.timer_armed = true;
  auto wait = *next - deadline_queue::clock::now();
  self->delayed_send(self, std::max(std::chrono::duration_cast<caf::timespan>(wait), caf::timespan{std::chrono::milliseconds(1)}),
                     tick_atom_v, uint64_t{0});
}
}  // namespace

caf::behavior api_gateway(self_ptr self, caf::timespan timeout) {
  self->state.deadlines = deadline_queue{timeout};
  return {
    [self](const api_job_ptr& job) {
      self->state.deadlines.add(job->call, deadline_queue::clock::now());
      job->run(self);
      arm(self);
    },
    [self](tick_atom, uint64_t) {
      auto& st = self->state;
      st.timer_armed = false;
      st.deadlines.expire(deadline_queue::clock::now());
      if (st.retiring && st.deadlines.empty()) return self->quit();
      arm(self);
    },
    [self](gateway_retire) {
      self->state.retiring = true;
      if (self->state.deadlines.empty()) self->quit();
    },
  };
}

}  // namespace herald
