#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "actors/inline_actor.hpp"

using namespace herald;
using namespace std::chrono_literals;

namespace {

// Records the ints it gets; "quit" ends it; "echo" sends itself 2 and then
// records 1 (so 1 comes before 2 unless the message to itself ran inline).
class recorder final : public inline_actor {
 public:
  recorder(caf::actor_config& cfg, std::vector<int>* seen, std::atomic<int>* overlaps)
      : inline_actor(cfg), seen_(seen), overlaps_(overlaps) {}

 protected:
  bool handle(caf::mailbox_element& x, caf::execution_unit* host) override {
    if (in_handler_.exchange(true)) ++*overlaps_;
    bool known = true;
    auto& c = x.content();
    if (c.match_elements<int>()) {
      seen_->push_back(c.get_as<int>(0));
    } else if (c.match_elements<std::string>() && c.get_as<std::string>(0) == "echo") {
      send(as_actor(), host, 2);
      seen_->push_back(1);
    } else if (c.match_elements<std::string>() && c.get_as<std::string>(0) == "quit") {
      quit(caf::exit_reason::normal, host);
    } else {
      known = false;
    }
    in_handler_ = false;
    return known;
  }

 private:
  std::vector<int>* seen_;
  std::atomic<int>* overlaps_;
  std::atomic<bool> in_handler_{false};
};

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<int> seen;
  std::atomic<int> overlaps{0};
  caf::actor spawn() { return make_inline_actor<recorder>(sys, &seen, &overlaps); }
};

}  // namespace

TEST_CASE("inline actor: one message at a time, each sender's in order", "[inline_actor]") {
  fixture f;
  auto a = f.spawn();
  constexpr int senders = 4, each = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t)
    threads.emplace_back([&a, t] {
      for (int i = 0; i < each; ++i) caf::anon_send(a, t * each + i);
    });
  for (auto& t : threads) t.join();
  // Every send has returned: what a sender left to a busy thread was
  // handled by that thread before its own send returned.
  REQUIRE(f.seen.size() == size_t{senders * each});
  CHECK(f.overlaps == 0);
  std::vector<int> last(senders, -1);
  bool ordered = true;
  for (int v : f.seen) {
    int t = v / each;
    if (v <= last[t]) ordered = false;
    last[t] = v;
  }
  CHECK(ordered);
}

TEST_CASE("inline actor: a message to itself waits for the one being handled", "[inline_actor]") {
  fixture f;
  auto a = f.spawn();
  caf::anon_send(a, std::string{"echo"});
  CHECK(f.seen == std::vector<int>{1, 2});
}

TEST_CASE("inline actor: its end fires monitors, and later requests get an error", "[inline_actor]") {
  fixture f;
  auto a = f.spawn();
  caf::scoped_actor self{f.sys};
  self->monitor(a);
  caf::anon_send(a, std::string{"quit"});
  bool down = false;
  self->receive([&](caf::down_msg& dm) { down = dm.source == a.address(); }, caf::after(5s) >> [] {});
  CHECK(down);
  bool failed = false;
  self->request(a, 5s, 7).receive([](int) {}, [&](caf::error&) { failed = true; });
  CHECK(failed);
  CHECK(f.seen.empty());
}

TEST_CASE("inline actor: a request it does not know is answered unexpected_message", "[inline_actor]") {
  fixture f;
  auto a = f.spawn();
  caf::scoped_actor self{f.sys};
  caf::error err;
  self->request(a, 5s, std::string{"what"}).receive([](int) {}, [&](caf::error& e) { err = e; });
  CHECK(err == caf::sec::unexpected_message);
}

TEST_CASE("inline actor: the last handle going away ends it, and its monitors hear it", "[inline_actor]") {
  fixture f;
  caf::scoped_actor self{f.sys};
  caf::actor_addr addr;
  {
    auto a = f.spawn();
    addr = a.address();
    self->monitor(a);
  }
  caf::error reason;
  bool down = false;
  self->receive(
    [&](caf::down_msg& dm) {
      down = dm.source == addr;
      reason = dm.reason;
    },
    caf::after(5s) >> [] {});
  CHECK(down);
  CHECK(reason == caf::exit_reason::unreachable);
}
