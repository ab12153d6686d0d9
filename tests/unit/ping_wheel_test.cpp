#include <catch2/catch.hpp>

#include <map>

#include "net/ping_wheel.hpp"

using namespace herald;

namespace {
struct session {
  int id;
};
using wheel = ping_wheel<session>;

// Sessions `first` .. `last - 1` join the wheel; `live` keeps them alive.
void join(wheel& w, std::vector<std::shared_ptr<session>>& live, int first, int last) {
  for (int i = first; i < last; ++i) {
    live.push_back(std::make_shared<session>(session{i}));
    w.add(live.back());
  }
}

// The tick numbers (from 0) on which each session id was due over `ticks`.
std::map<int, std::vector<int>> due_ticks(wheel& w, int ticks) {
  std::map<int, std::vector<int>> at;
  for (int t = 0; t < ticks; ++t)
    for (auto& s : w.tick()) at[s->id].push_back(t);
  return at;
}
}  // namespace

TEST_CASE("ping_wheel: each session once per round, in even slices", "[ping_wheel]") {
  wheel w(25);
  std::vector<std::shared_ptr<session>> live;
  join(w, live, 0, 10000);
  for (int t = 0; t < 25; ++t) CHECK(w.tick().size() == 400);
  auto at = due_ticks(w, 50);
  REQUIRE(at.size() == 10000);
  for (auto& [id, ticks] : at) {
    REQUIRE(ticks.size() == 2);
    CHECK(ticks[1] - ticks[0] == 25);
  }
}

TEST_CASE("ping_wheel: a heartbeat of 1 pings everyone on every tick", "[ping_wheel]") {
  wheel w(1);
  std::vector<std::shared_ptr<session>> live;
  join(w, live, 1, 3);
  for (int t = 0; t < 3; ++t) CHECK(w.tick().size() == 2);
}

TEST_CASE("ping_wheel: ended sessions leave, the others keep their period", "[ping_wheel]") {
  wheel w(4);
  std::vector<std::shared_ptr<session>> live;
  join(w, live, 0, 40);
  due_ticks(w, 2);
  // Most end and new ones join mid-round: no survivor waits longer than
  // a round (a cursor over one list would have moved some later).
  for (int i = 0; i < 40; ++i)
    if (i % 5) live[i].reset();
  join(w, live, 40, 50);
  auto at = due_ticks(w, 12);
  CHECK(at.size() == 18);  // 8 survivors, 10 new
  for (auto& [id, ticks] : at) {
    REQUIRE(ticks.size() == 3);
    CHECK(ticks[1] - ticks[0] == 4);
    CHECK(ticks[2] - ticks[1] == 4);
  }
  CHECK(w.size() == 18);  // each bucket dropped its ended entries
}
