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
