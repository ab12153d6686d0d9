#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include "net/backlog_gate.hpp"
#include "net/thread_priority.hpp"

using namespace herald;
using namespace std::chrono_literals;

TEST_CASE("backlog_gate: holds requests while big fan-outs' frames average over the bound", "[backlog_gate]") {
  backlog_gate gate(10, 500ms, 100);
  const size_t sessions = 50;  // bound: 10 * 50 + 100 = 600 frames
  gate.queued(600);
  CHECK_FALSE(gate.over(sessions));
  int resumed = 0;
  CHECK_FALSE(gate.hold(sessions, [&] { ++resumed; }));  // not over: nothing kept
  gate.queued(1);
  CHECK(gate.over(sessions));
  REQUIRE(gate.hold(sessions, [&] { ++resumed; }));
  REQUIRE(gate.hold(sessions, [&] { ++resumed; }));
  CHECK(gate.held() == 2);
  // Writers take frames: still over, nobody goes on.
  gate.queued(100);
  gate.taken(50, sessions);
  CHECK(resumed == 0);
  // Under the bound: both go on, once.
  gate.taken(51, sessions);
  CHECK(resumed == 2);
  CHECK(gate.held() == 0);
  gate.taken(600, sessions);
  CHECK(resumed == 2);
  CHECK(gate.frames() == 0);
}

TEST_CASE("backlog_gate: more sessions raise the bound, release lets everyone go", "[backlog_gate]") {
  backlog_gate gate(10, 500ms, 0);
  gate.queued(1000);
  CHECK(gate.over(99));
  CHECK_FALSE(gate.over(100));
  int resumed = 0;
  REQUIRE(gate.hold(99, [&] { ++resumed; }));
  gate.release();
  CHECK(resumed == 1);
}

TEST_CASE("backlog_gate: per_session 0 never holds", "[backlog_gate]") {
  backlog_gate gate(0, 500ms);
  gate.queued(1'000'000);
  CHECK_FALSE(gate.enabled());
  CHECK_FALSE(gate.over(0));
  CHECK_FALSE(gate.hold(0, [] {}));
}

TEST_CASE("lowered_priority: lowers the thread for its scope and restores it", "[thread_priority]") {
  std::thread([] {
    auto tid = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    int before = getpriority(PRIO_PROCESS, tid);
    {
      lowered_priority low;
      int inside = getpriority(PRIO_PROCESS, tid);
      if (lowered_priority::available() && before + 10 <= 19) CHECK(inside == before + 10);
      else CHECK(inside == before);
    }
    CHECK(getpriority(PRIO_PROCESS, tid) == before);
  }).join();
}
