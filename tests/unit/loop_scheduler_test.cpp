#include <catch2/catch.hpp>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/all.hpp>

#include "net/event_loop.hpp"
#include "net/loop_scheduler.hpp"

using namespace herald;
using namespace std::chrono_literals;

namespace {

std::string thread_name() {
  char buf[32] = {};
  pthread_getname_np(pthread_self(), buf, sizeof buf);
  return buf;
}

// Answers each int with itself + 1, and the name of the thread it ran on.
caf::behavior adder(caf::event_based_actor*) {
  return {[](int x) { return caf::make_message(x + 1, thread_name()); }};
}

// Passes an int on to `next` until it reaches `until`, then tells `done`.
caf::behavior relay(caf::event_based_actor* self, caf::actor next, int until, std::promise<int>* done) {
  return {[=](int x) {
    if (x >= until) done->set_value(x);
    else self->send(next, x + 1);
  }};
}

}  // namespace

TEST_CASE("loop scheduler: actors run on the loop's threads and answer", "[loop_scheduler]") {
  event_loop loop{2};
  {
    caf::actor_system_config cfg;
    run_actors_on(cfg, loop);
    caf::actor_system sys{cfg};
    auto a = sys.spawn(adder);
    caf::scoped_actor self{sys};
    for (int i = 0; i < 100; ++i) {
      self->request(a, 2s, i).receive(
        [&](int y, const std::string& where) {
          CHECK(y == i + 1);
          CHECK(where == "herald.io");
        },
        [&](caf::error& e) { FAIL(sys.render(e)); });
    }
  }
  loop.stop();
}

TEST_CASE("loop scheduler: a chain of sends between actors completes", "[loop_scheduler]") {
  for (int threads : {1, 2}) {
    event_loop loop{threads};
    {
      caf::actor_system_config cfg;
      run_actors_on(cfg, loop);
      caf::actor_system sys{cfg};
      std::promise<int> done;
      // Two actors bouncing one message 10k times: each send wakes the
      // other on the sender's thread (exec_later), with turns for the
      // loop's other handlers in between.
      auto b = sys.spawn([&](caf::event_based_actor* self) -> caf::behavior {
        return {[self](int x, caf::actor back) { self->send(back, x + 1); }};
      });
      auto a = sys.spawn([&, b](caf::event_based_actor* self) -> caf::behavior {
        return {[self, b, &done](int x) {
          if (x >= 10000) done.set_value(x);
          else self->send(b, x + 1, caf::actor{self});
        }};
      });
      caf::anon_send(a, 0);
      auto f = done.get_future();
      REQUIRE(f.wait_for(10s) == std::future_status::ready);
      CHECK(f.get() == 10000);
      // A loop handler still gets its turn meanwhile (sockets would).
      std::promise<void> ran;
      boost::asio::post(loop.context(), [&] { ran.set_value(); });
      CHECK(ran.get_future().wait_for(5s) == std::future_status::ready);
    }
    loop.stop();
  }
}

TEST_CASE("loop scheduler: delayed sends and timeouts fire", "[loop_scheduler]") {
  event_loop loop{1};
  {
    caf::actor_system_config cfg;
    run_actors_on(cfg, loop);
    caf::actor_system sys{cfg};
    std::promise<int> done;
    auto a = sys.spawn(relay, caf::actor{}, 0, &done);
    auto start = std::chrono::steady_clock::now();
    caf::delayed_anon_send(a, 50ms, 7);
    auto f = done.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get() == 7);
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
    // A request to an actor that never answers times out on the loop too.
    auto silent = sys.spawn([](caf::event_based_actor*) -> caf::behavior { return {[](int) -> caf::result<int> {
      return caf::delegated<int>{};
    }}; });
    caf::scoped_actor self{sys};
    bool timed_out = false;
    self->request(silent, 100ms, 1).receive([](int) {}, [&](caf::error&) { timed_out = true; });
    CHECK(timed_out);
  }
  loop.stop();
}

TEST_CASE("loop scheduler: the system ends with messages still queued", "[loop_scheduler]") {
  event_loop loop{2};
  std::atomic<int> handled{0};
  {
    caf::actor_system_config cfg;
    run_actors_on(cfg, loop);
    caf::actor_system sys{cfg};
    sys.await_actors_before_shutdown(false);
    // Actors that keep sending themselves work: the system must still stop,
    // cleaning up what is queued instead of running it forever.
    for (int i = 0; i < 4; ++i)
      caf::anon_send(sys.spawn([&](caf::event_based_actor* self) -> caf::behavior {
                       return {[self, &handled](int x) {
                         ++handled;
                         self->send(self, x + 1);
                       }};
                     }),
                     0);
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (handled.load() < 1000 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    REQUIRE(handled.load() >= 1000);
  }  // ~actor_system: returns (bounded) with the loop still running
  auto after = handled.load();
  std::this_thread::sleep_for(20ms);
  CHECK(handled.load() == after);  // nothing runs once the system is gone
  loop.stop();
}
