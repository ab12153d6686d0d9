#include <catch2/catch.hpp>

#include "actors/connection.hpp"

using namespace herald;

namespace {
// Queues frames like ws_session does: a send wakes the writer unless a
// wake is pending; inside a send_batch the wake is left to the batch.
struct fake_connection : connection, std::enable_shared_from_this<fake_connection> {
  int queued = 0;
  bool wake_pending = false;
  int* wake_calls;       // wake_all calls, shared by the fakes of a test
  int* woken;            // connections woken through them
  int direct_wakes = 0;  // wakes made without a batch

  fake_connection(int* calls, int* n) : wake_calls(calls), woken(n) {}
  bool send(frame_ptr) override {
    ++queued;
    if (wake_pending) return true;
    wake_pending = true;
    if (auto* b = send_batch::current()) b->defer(shared_from_this());
    else ++direct_wakes, wake_pending = false;
    return true;
  }
  void close(uint16_t, std::string) override {}
  void wake_all(std::vector<connection_ptr>&& conns) override {
    ++*wake_calls;
    for (auto& c : conns) {
      static_cast<fake_connection&>(*c).wake_pending = false;
      ++*woken;
    }
  }
};

frame_ptr frame() { return std::make_shared<const std::string>("x"); }
}  // namespace

TEST_CASE("send_batch: one wake_all for every connection sent to inside it", "[send_batch]") {
  int calls = 0, woken = 0;
  std::vector<std::shared_ptr<fake_connection>> conns;
  for (int i = 0; i < 100; ++i) conns.push_back(std::make_shared<fake_connection>(&calls, &woken));
  {
    send_batch batch;
    REQUIRE(send_batch::current() == &batch);
    for (auto& c : conns) c->send(frame());
    for (auto& c : conns) c->send(frame());  // a second frame: no second wake
    REQUIRE(calls == 0);                      // nothing before the batch ends
  }
  REQUIRE(send_batch::current() == nullptr);
  REQUIRE(calls == 1);
  REQUIRE(woken == 100);
  for (auto& c : conns) {
    REQUIRE(c->queued == 2);
    REQUIRE(c->direct_wakes == 0);
    REQUIRE_FALSE(c->wake_pending);
  }
}

TEST_CASE("send_batch: without one, each send wakes its connection itself", "[send_batch]") {
  int calls = 0, woken = 0;
  auto c = std::make_shared<fake_connection>(&calls, &woken);
  c->send(frame());
  c->send(frame());
  REQUIRE(c->direct_wakes == 2);
  REQUIRE(calls == 0);
}

TEST_CASE("send_batch: a nested batch wakes its own connections at its end", "[send_batch]") {
  int calls = 0, woken = 0;
  auto a = std::make_shared<fake_connection>(&calls, &woken);
  auto b = std::make_shared<fake_connection>(&calls, &woken);
  {
    send_batch outer;
    a->send(frame());
    {
      send_batch inner;
      b->send(frame());
    }
    REQUIRE(calls == 1);
    REQUIRE_FALSE(b->wake_pending);
    REQUIRE(a->wake_pending);
    REQUIRE(send_batch::current() == &outer);
  }
  REQUIRE(calls == 2);
  REQUIRE_FALSE(a->wake_pending);
}

TEST_CASE("send_batch: an empty batch wakes nobody", "[send_batch]") {
  { send_batch batch; }
  REQUIRE(send_batch::current() == nullptr);
}
