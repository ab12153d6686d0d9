#include <catch2/catch.hpp>

#include "net/api_gateway.hpp"

using namespace herald;
using namespace std::chrono_literals;

namespace {
api_call_ptr counting_call(int& expired) {
  auto c = std::make_shared<api_call>();
  c->expire = [&expired] { ++expired; };
  return c;
}
}  // namespace

TEST_CASE("deadline_queue: a call nobody answered expires at its deadline, once", "[api_gateway]") {
  deadline_queue q{10s};
  deadline_queue::clock::time_point t0{};
  int expired = 0;
  auto c = counting_call(expired);
  q.add(c, t0);
  REQUIRE(q.next() == t0 + 10s);
  CHECK(q.expire(t0 + 9s) == 0);
  CHECK(expired == 0);
  CHECK(q.expire(t0 + 10s) == 1);
  CHECK(expired == 1);
  CHECK(q.empty());
  CHECK_FALSE(c->claim());  // a late answer finds it given
  CHECK(q.expire(t0 + 20s) == 0);
  CHECK(expired == 1);
}

TEST_CASE("deadline_queue: answered or forgotten calls do not expire", "[api_gateway]") {
  deadline_queue q{1s};
  deadline_queue::clock::time_point t0{};
  int expired = 0;
  auto answered = counting_call(expired);
  auto pending = counting_call(expired);
  q.add(answered, t0);
  q.add(pending, t0 + 100ms);
  q.add(counting_call(expired), t0 + 200ms);  // its handler is gone: nothing to tell
  REQUIRE(answered->claim());
  CHECK(q.expire(t0 + 5s) == 1);
  CHECK(expired == 1);
  CHECK_FALSE(pending->claim());
  CHECK_FALSE(q.next().has_value());
}

TEST_CASE("deadline_queue: the earliest deadline comes first", "[api_gateway]") {
  deadline_queue q{2s};
  deadline_queue::clock::time_point t0{};
  int expired = 0;
  std::vector<api_call_ptr> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(counting_call(expired));
    q.add(calls.back(), t0 + i * 1s);
  }
  CHECK(q.next() == t0 + 2s);
  CHECK(q.expire(t0 + 3s) == 2);
  CHECK(q.next() == t0 + 4s);
  CHECK(expired == 2);
}

namespace {
// An answer that records what it was given.
answer_ptr recording_answer(std::vector<std::string>& got) {
  return std::make_shared<answer>([&got](result<uint64_t> r) {
    got.push_back(r ? std::to_string(r.value()) : "error: " + r.err().message);
  });
}
}  // namespace

TEST_CASE("answer: the first outcome wins, dropped unanswered, it answers an error", "[api_gateway]") {
  std::vector<std::string> got;
  {
    auto a = recording_answer(got);
    CHECK(a->give(uint64_t{3}));
    CHECK_FALSE(a->give(error{errc::unavailable, "late"}));
    CHECK(a->given());
  }
  REQUIRE(got == std::vector<std::string>{"3"});
  { auto dropped = recording_answer(got); }  // its message went with an actor that ended
  REQUIRE(got.size() == 2);
  CHECK(got[1] == "error: the recipient ended without answering");
}

TEST_CASE("answer_deadlines: unanswered answers expire at their deadline, given ones leave early", "[api_gateway]") {
  answer_deadlines d{10s};
  answer_deadlines::clock::time_point t0{};
  std::vector<std::string> got;
  auto slow = recording_answer(got);
  auto quick = recording_answer(got);
  d.add(quick, t0);
  d.add(slow, t0 + 1s);
  REQUIRE(quick->give(uint64_t{1}));
  quick.reset();
  // The given one leaves from the front as the next comes: the queue holds
  // about what is in flight, not every push of the last ten seconds.
  auto third = recording_answer(got);
  d.add(third, t0 + 2s);
  CHECK(d.size() == 2);
  CHECK(d.in_flight() == 2);
  CHECK(d.expire(t0 + 10s) == 0);
  CHECK(d.expire(t0 + 11s) == 1);
  CHECK(got == std::vector<std::string>{"1", "error: no answer in time"});
  CHECK_FALSE(slow->give(uint64_t{5}));  // a late outcome finds it given
  CHECK(third->give(uint64_t{2}));       // not yet due: still open
  CHECK(d.in_flight() == 1);  // `third`, given but still held here
  third.reset();
  CHECK(d.in_flight() == 0);
  CHECK(d.expire(t0 + 20s) == 0);
  CHECK(d.size() == 0);
}

TEST_CASE("deadline_fifo: gone entries leave from the front, due ones come out alive", "[api_gateway]") {
  deadline_fifo<int> q{5s};
  deadline_fifo<int>::clock::time_point t0{};
  auto kept = std::make_shared<int>(1);
  auto gone = std::make_shared<int>(2);
  q.add(gone, t0);
  q.add(kept, t0 + 1s);
  gone.reset();
  CHECK(q.size() == 2);
  CHECK(q.alive() == 1);
  auto later = std::make_shared<int>(3);
  q.add(later, t0 + 2s);  // the gone front leaves; `kept` stops the pruning
  CHECK(q.size() == 2);
  CHECK(q.next() == t0 + 6s);
  CHECK(q.take_due(t0 + 5s).empty());
  auto due = q.take_due(t0 + 6s);
  REQUIRE(due.size() == 1);
  CHECK(*due[0] == 1);
  later.reset();
  CHECK(q.take_due(t0 + 6s).empty());  // gone before its deadline: leaves without coming out
  CHECK(q.empty());
}
