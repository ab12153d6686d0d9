#include <catch2/catch.hpp>

#include "actors/window_counter.hpp"

using namespace herald;

TEST_CASE("events fall out of the minute, hour and day windows") {
  window_counter c;
  int64_t t0 = 1'700'000'000'000;
  c.add(t0, 2);
  c.add(t0 + 30'000, 3);
  auto t = c.totals(t0 + 31'000);
  CHECK(t.minute == 5);
  CHECK(t.hour == 5);
  CHECK(t.day == 5);
  t = c.totals(t0 + 61'000);  // first event left the minute
  CHECK(t.minute == 3);
  CHECK(t.hour == 5);
  t = c.totals(t0 + 2 * 3600'000);
  CHECK(t.minute == 0);
  CHECK(t.hour == 0);
  CHECK(t.day == 5);
  t = c.totals(t0 + 25 * 3600'000);
  CHECK(t.day == 0);
}

TEST_CASE("reused buckets start from zero") {
  window_counter c;
  int64_t t0 = 1'700'000'000'000;
  c.add(t0, 7);
  c.add(t0 + 60'000, 1);  // same second slot one minute later
  CHECK(c.totals(t0 + 60'000).minute == 1);
  CHECK(c.totals(t0 + 60'000).hour == 8);
}
