#include <catch2/catch.hpp>

#include "actors/connection.hpp"
#include "net/send_queue.hpp"

using namespace herald;

namespace {
// A connection as ws_session is one: its real send_queue decides when a
// send must wake the writer; the "writer" here takes what is queued at
// once (a direct wake) or when the batch's wake_all comes.
struct fake_connection : connection, std::enable_shared_from_this<fake_connection> {
  send_queue queue;
  std::vector<send_queue::frame> written;
  int* wake_calls;       // wake_all calls, shared by the fakes of a test
  int* woken;            // connections woken through them
  int direct_wakes = 0;  // wakes made without a batch

  fake_connection(int* calls, int* n) : wake_calls(calls), woken(n) {}
  bool send(frame_ptr f) override {
    if (queue.push(std::move(f), 1, 1 << 20) != send_queue::pushed::wake) return true;
    if (auto* b = send_batch::current()) b->defer(shared_from_this());
    else ++direct_wakes, write();
    return true;
  }
  void write() { queue.take(256, written); }
  // Frames queued and not yet taken by the writer: a wake is pending.
  bool wake_pending() const { return queue.size() > 0; }
  void close(uint16_t, std::string) override {}
  void wake_all(std::vector<connection_ptr>&& conns) override {
    ++*wake_calls;
    for (auto& c : conns) {
      static_cast<fake_connection&>(*c).write();
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
    REQUIRE(c->written.size() == 2);
    REQUIRE(c->direct_wakes == 0);
    REQUIRE_FALSE(c->wake_pending());
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
    REQUIRE_FALSE(b->wake_pending());
    REQUIRE(a->wake_pending());
    REQUIRE(send_batch::current() == &outer);
  }
  REQUIRE(calls == 2);
  REQUIRE_FALSE(a->wake_pending());
}

TEST_CASE("send_batch: an empty batch wakes nobody", "[send_batch]") {
  { send_batch batch; }
  REQUIRE(send_batch::current() == nullptr);
}

TEST_CASE("send_batch: a fan-out to bulk_size sessions or more is bulk", "[send_batch]") {
  {
    send_batch small(send_batch::bulk_size - 1);
    CHECK_FALSE(send_batch::current()->bulk());
  }
  send_batch big(send_batch::bulk_size);
  CHECK(send_batch::current()->bulk());
  send_batch unknown;
  CHECK_FALSE(send_batch::current()->bulk());
}
