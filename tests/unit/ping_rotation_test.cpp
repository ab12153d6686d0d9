#include <catch2/catch.hpp>

#include <vector>

#include "net/ping_rotation.hpp"

using namespace herald;

namespace {
// How often each of `n` sessions is taken over `ticks` ticks.
std::vector<int> counts(ping_rotation& r, size_t n, int ticks, std::vector<size_t>* sizes = nullptr) {
  std::vector<int> seen(n, 0);
  for (int t = 0; t < ticks; ++t) {
    auto [first, last] = r.take(n);
    REQUIRE(first <= last);
    REQUIRE(last <= n);
    if (sizes) sizes->push_back(last - first);
    for (auto i = first; i < last; ++i) ++seen[i];
  }
  return seen;
}
}  // namespace

TEST_CASE("ping_rotation: each session once per round, in even slices", "[ping_rotation]") {
  ping_rotation r(25);
  std::vector<size_t> sizes;
  auto seen = counts(r, 10000, 25, &sizes);
  for (int c : seen) REQUIRE(c == 1);
  for (auto s : sizes) CHECK(s == 400);
  CHECK(r.round_starts());
  seen = counts(r, 10000, 25);  // the next round the same
  for (int c : seen) REQUIRE(c == 1);
}

TEST_CASE("ping_rotation: a heartbeat of 1 pings everyone on every tick", "[ping_rotation]") {
  ping_rotation r(1);
  for (int t = 0; t < 3; ++t) {
    CHECK(r.round_starts());
    CHECK(r.take(7) == std::pair<size_t, size_t>{0, 7});
  }
}

TEST_CASE("ping_rotation: fewer sessions than ticks, and none", "[ping_rotation]") {
  ping_rotation r(25);
  auto seen = counts(r, 3, 25);
  for (int c : seen) CHECK(c == 1);
  CHECK(r.take(0) == std::pair<size_t, size_t>{0, 0});
}

TEST_CASE("ping_rotation: sessions added during a round ping by its end", "[ping_rotation]") {
  ping_rotation r(4);
  std::vector<int> seen(200, 0);
  size_t n = 100;
  for (int t = 0; t < 4; ++t) {
    CHECK(r.round_starts() == (t == 0));
    auto [first, last] = r.take(n);
    for (auto i = first; i < last; ++i) ++seen[i];
    n += 25;  // connects between ticks
  }
  for (size_t i = 0; i < 175; ++i) CHECK(seen[i] == 1);  // 175: the size at the last tick
  CHECK(r.round_starts());
}
