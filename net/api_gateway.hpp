#pragma once
// The actor that makes the HTTP API's requests to other actors, for threads
// outside the actor system (all but pushes: those carry their answer to the
// actor that has it, actors/answer.hpp, and answer_deadlines below keeps
// their deadlines). It keeps the requests' deadlines itself instead
// of giving each request a CAF timeout: CAF 0.17 wakes its clock thread to
// set each timeout and again to cancel it, two wake-ups per push that were
// ~5 % of herald's CPU at 20k pushes/s (docs/benchmarks.md). One timer per
// gateway is armed for the earliest deadline instead.
//
// A request whose answer never comes (its node died with it in flight)
// fails at its deadline; the handler CAF keeps for it goes with the gateway,
// which the API replaces after `api_gateway_calls` calls (the old one ends
// once its last deadline has passed).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/answer.hpp"
#include "net/deadline_fifo.hpp"

namespace herald {

// One API call's outcome, given once: an answer, an error or its expiry.
struct api_call {
  std::function<void()> expire;  // runs at the deadline if nothing came first
  bool answered = false;
  // True only the first time: whoever gets it gives the outcome.
  bool claim() {
    if (answered) return false;
    answered = true;
    return true;
  }
};
using api_call_ptr = std::shared_ptr<api_call>;

// Calls in deadline order (each gets the same timeout). Pure: the gateway
// drives it.
class deadline_queue {
 public:
  using clock = deadline_fifo<api_call>::clock;
  explicit deadline_queue(clock::duration timeout) : q_(timeout) {}
  void add(const api_call_ptr& c, clock::time_point now) { q_.add(c, now); }
  // Runs `expire` of every call past its deadline that nothing answered;
  // returns how many.
  size_t expire(clock::time_point now);
  std::optional<clock::time_point> next() const { return q_.next(); }
  bool empty() const { return q_.empty(); }

 private:
  deadline_fifo<api_call> q_;
};

// Deadlines of the answers the API waits for without the gateway (pushes
// carry their answer object to the actor that has the outcome). Thread-safe:
// calls add from Asio threads, the server's timer calls expire.
class answer_deadlines {
 public:
  using clock = deadline_fifo<answer>::clock;
  explicit answer_deadlines(clock::duration timeout) : q_(timeout) {}
  void add(const answer_ptr& a, clock::time_point now);
  // Gives "no answer in time" to each unanswered answer past its deadline;
  // returns how many.
  size_t expire(clock::time_point now);
  size_t size() const;
  // Answers still held somewhere (given or not): the server waits for
  // these before its Asio threads stop, since each refers to a connection.
  size_t in_flight() const;

 private:
  mutable std::mutex mtx_;
  deadline_fifo<answer> q_;
};

// A request the gateway makes: `run` sends it (without a CAF timeout) and
// claims `call` when the answer comes.
struct api_job {
  api_call_ptr call;
  std::function<void(caf::event_based_actor*)> run;
};
using api_job_ptr = std::shared_ptr<api_job>;

struct api_gateway_state {
  deadline_queue deadlines{std::chrono::seconds(10)};  // api_gateway sets the timeout
  bool timer_armed = false;
  bool retiring = false;  // replaced: ends once its deadlines have passed
  static inline const char* name = "herald.api_gateway";
};

// The gateway retires: it ends once its last deadline has passed.
struct gateway_retire {};

// Protocol: (api_job_ptr) runs a job; gateway_retire; its own tick.
caf::behavior api_gateway(caf::stateful_actor<api_gateway_state>* self, caf::timespan timeout);

// Calls a gateway makes before the API replaces it.
constexpr uint64_t api_gateway_calls = uint64_t{1} << 20;

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::api_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::gateway_retire)
