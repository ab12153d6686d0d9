#include <catch2/catch.hpp>

#include "net/answer_deadlines.hpp"

using namespace herald;
using namespace std::chrono_literals;

namespace {
// An answer that records what it was given.
answer_ptr recording_answer(std::vector<std::string>& got) {
  return std::make_shared<answer>([&got](result<uint64_t> r) {
    got.push_back(r ? std::to_string(r.value()) : "error: " + r.err().message);
  });
}
}  // namespace

TEST_CASE("answer: the first outcome wins, dropped unanswered, it answers an error", "[answer]") {
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

TEST_CASE("answer_deadlines: unanswered answers expire at their deadline, given ones leave early", "[answer]") {
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

TEST_CASE("deadline_fifo: gone entries leave from the front, due ones come out alive", "[answer]") {
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

TEST_CASE("answer_deadlines: answers of any type share one deadline keeper", "[answer]") {
  answer_deadlines d{1s};
  answer_deadlines::clock::time_point t0{};
  std::vector<std::string> got;
  auto list = make_answer<std::vector<int>>([&got](result<std::vector<int>> r) {
    got.push_back(r ? "list of " + std::to_string(r.value().size()) : "list error: " + r.err().message);
  });
  auto count = std::make_shared<answer>([&got](result<uint64_t> r) {
    got.push_back(r ? "count" : "count error: " + r.err().message);
  });
  d.add(list, t0);
  d.add(count, t0);
  REQUIRE(list->give(std::vector<int>{1, 2}));
  CHECK(d.expire(t0 + 1s) == 1);
  CHECK(got == std::vector<std::string>{"list of 2", "count error: no answer in time"});
  CHECK(count->given());
}
