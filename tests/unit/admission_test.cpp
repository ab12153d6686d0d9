#include <catch2/catch.hpp>

#include "net/admission.hpp"

using namespace herald;
using namespace std::chrono_literals;

TEST_CASE("admission: sessions per namespace up to the limit, each closed one frees a place", "[admission]") {
  admission a{2, 0, 0};
  bool full = false;
  auto* s1 = a.open_session("ns", full);
  auto* s2 = a.open_session("ns", full);
  REQUIRE(s1);
  REQUIRE(s2 == s1);  // one counter per namespace
  CHECK_FALSE(full);
  CHECK(a.open_session("ns", full) == nullptr);
  CHECK(full);
  CHECK(a.open_session("other", full));  // namespaces count apart
  admission::close_session(s1);
  CHECK(a.open_session("ns", full));
  admission none{0, 0, 0};
  CHECK(none.open_session("ns", full) == nullptr);
  CHECK_FALSE(full);  // no limit: nothing counted, nothing to release
  admission::close_session(nullptr);
}

TEST_CASE("admission: pushes per namespace as a token bucket one second deep", "[admission]") {
  admission a{0, 5, 0};
  admission::clock::time_point t0{};
  int64_t retry = 0;
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += a.push("ns", t0, retry);
  CHECK(ok == 5);  // the whole second's worth at once, then nothing
  CHECK(retry == 1);
  CHECK(a.push("other", t0, retry));
  CHECK_FALSE(a.push("ns", t0 + 100ms, retry));  // half a token back
  CHECK(a.push("ns", t0 + 200ms, retry));        // one
  CHECK_FALSE(a.push("ns", t0 + 200ms, retry));
  ok = 0;
  for (int i = 0; i < 20; ++i) ok += a.push("ns", t0 + 60s, retry);
  CHECK(ok == 5);  // a long pause refills to the depth, not beyond
  admission off{0, 0, 0};
  for (int i = 0; i < 1000; ++i) REQUIRE(off.push("ns", t0, retry));
}

TEST_CASE("admission: failed admin logins per address block it for the rest of the minute", "[admission]") {
  admission a{0, 0, 3};
  admission::clock::time_point t0{};
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(a.admin_blocked("127.0.0.9", t0 + 1s));
    a.admin_failed("127.0.0.9", t0 + 1s);
  }
  CHECK(a.admin_blocked("127.0.0.9", t0 + 2s));
  CHECK_FALSE(a.admin_blocked("127.0.0.8", t0 + 2s));
  CHECK(a.admin_blocked("127.0.0.9", t0 + 60s));
  CHECK_FALSE(a.admin_blocked("127.0.0.9", t0 + 61s));  // its minute is over
}

TEST_CASE("admission: a batch of pushes takes as many tokens, at most a full bucket", "[admission]") {
  admission a{0, 10, 0};
  auto t = admission::clock::now();
  int64_t retry = 0;
  CHECK(a.push("ns", t, retry, 6));
  CHECK_FALSE(a.push("ns", t, retry, 6));  // 4 left
  CHECK(retry == 1);
  CHECK(a.push("ns", t, retry, 4));
  // A batch larger than the bucket waits for a full one and takes it.
  CHECK_FALSE(a.push("ns", t + std::chrono::milliseconds(500), retry, 100));
  CHECK(a.push("ns", t + std::chrono::seconds(1), retry, 100));
  CHECK_FALSE(a.push("ns", t + std::chrono::seconds(1), retry, 1));
}
