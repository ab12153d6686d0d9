#include <catch2/catch.hpp>

#include "net/send_queue.hpp"
#include "net/ws_codec.hpp"

using namespace herald;

namespace {
frame_ptr bytes(size_t n) { return std::make_shared<const std::string>(n, 'x'); }
}  // namespace

TEST_CASE("send_queue: the first frame wakes the writer, later ones ride on that wake", "[send_queue]") {
  send_queue q;
  const size_t bound = 1 << 20;
  CHECK(q.push(bytes(10), ws::op_text, bound) == send_queue::pushed::wake);
  CHECK(q.push(bytes(10), ws::op_text, bound) == send_queue::pushed::queued);
  std::vector<send_queue::frame> out;
  q.take(256, out);
  CHECK(out.size() == 2);
  CHECK(q.bytes() == 0);
  // Taken: the next frame needs a wake of its own.
  CHECK(q.push(bytes(10), ws::op_text, bound) == send_queue::pushed::wake);
}

TEST_CASE("send_queue: control frames count in the bound, so a pong flood cannot grow it", "[send_queue]") {
  const size_t bound = 64 * 1024;
  send_queue q;
  // Empty pongs for a peer that pings and never reads: each costs its entry.
  size_t n = 0;
  send_queue::pushed r = send_queue::pushed::wake;
  while (n < 1000000 && (r = q.push(bytes(0), ws::op_pong, bound)) != send_queue::pushed::full) ++n;
  REQUIRE(r == send_queue::pushed::full);
  CHECK(n == bound / send_queue::entry_cost);
  // Full: it dropped everything and takes nothing more, but the close frame.
  CHECK(q.size() == 0);
  CHECK(q.bytes() == 0);
  CHECK(q.capacity() <= 64);
  CHECK(q.push(bytes(0), ws::op_pong, bound) == send_queue::pushed::refused);
  CHECK(q.push(bytes(10), ws::op_text, bound) == send_queue::pushed::refused);
  q.push_close(bytes(2), ws::op_close);
  std::vector<send_queue::frame> out;
  q.take(256, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].op == ws::op_close);
}

TEST_CASE("send_queue: one frame larger than the bound goes through an empty queue", "[send_queue]") {
  send_queue q;
  const size_t bound = 1024;
  CHECK(q.push(bytes(4096), ws::op_text, bound) == send_queue::pushed::wake);
  // Behind it, anything more is over the bound.
  CHECK(q.push(bytes(1), ws::op_text, bound) == send_queue::pushed::full);
}

TEST_CASE("send_queue: refusing keeps or drops what is queued", "[send_queue]") {
  send_queue keep, drop;
  const size_t bound = 1 << 20;
  for (auto* q : {&keep, &drop}) {
    q->push(bytes(100), ws::op_text, bound);
    q->push(bytes(100), ws::op_text, bound);
  }
  keep.refuse(false);
  drop.refuse(true);
  CHECK(keep.size() == 2);
  CHECK(drop.size() == 0);
  CHECK(keep.push(bytes(1), ws::op_text, bound) == send_queue::pushed::refused);
}

TEST_CASE("send_queue: batches in order, the backlog's memory released once drained", "[send_queue]") {
  send_queue q;
  const size_t bound = 64 << 20;
  for (int i = 0; i < 1000; ++i) q.push(std::make_shared<const std::string>(std::to_string(i)), ws::op_text, bound);
  CHECK(q.capacity() >= 1000);
  std::vector<send_queue::frame> out;
  int next = 0;
  while (q.size() > 0) {
    out.clear();
    q.take(256, out);
    CHECK(out.size() <= 256);
    for (auto& f : out) CHECK(*f.data == std::to_string(next++));
  }
  CHECK(next == 1000);
  CHECK(q.bytes() == 0);
  CHECK(q.capacity() == 0);
}

TEST_CASE("send_queue: a wrapped frame counts its head and tail in the bound", "[send_queue]") {
  send_queue q;
  auto head = bytes(20);
  auto data = bytes(100);
  CHECK(q.push(data, ws::op_text, 1 << 20, head) == send_queue::pushed::wake);
  CHECK(q.bytes() == 20 + 100 + 1 + send_queue::entry_cost);
  std::vector<send_queue::frame> out;
  q.take(8, out);
  REQUIRE(out.size() == 1);
  CHECK(send_queue::payload_size(out[0]) == 121);
  CHECK(out[0].head == head);
  CHECK(out[0].data == data);  // the shared message itself: not copied
  CHECK(q.bytes() == 0);
  // The bound sees the whole payload: two such frames do not fit in 200 + 2 entries.
  send_queue small;
  CHECK(small.push(data, ws::op_text, 2 * send_queue::entry_cost + 200, head) == send_queue::pushed::wake);
  CHECK(small.push(data, ws::op_text, 2 * send_queue::entry_cost + 200, head) == send_queue::pushed::full);
}

TEST_CASE("send_queue: a drained queue holds no storage, however little it held", "[send_queue]") {
  send_queue q;
  q.push(bytes(10), ws::op_text, 1 << 20);
  std::vector<send_queue::frame> out;
  q.take(256, out);
  CHECK(out.size() == 1);
  CHECK(q.capacity() == 0);
  // And takes frames again.
  CHECK(q.push(bytes(10), ws::op_text, 1 << 20) == send_queue::pushed::wake);
  CHECK(q.size() == 1);
}

TEST_CASE("send_queue: bulk frames are counted until taken, dropped ones too", "[send_queue]") {
  send_queue q;
  auto f = std::make_shared<const std::string>(10, 'x');
  const size_t bound = 1 << 20;
  q.push(f, ws::op_text, bound, {}, true);
  q.push(f, ws::op_text, bound);
  q.push(f, ws::op_text, bound, {}, true);
  CHECK(q.bulk() == 2);
  std::vector<send_queue::frame> out;
  CHECK(q.take(2, out) == 1);  // the first two: one bulk
  CHECK(q.bulk() == 1);
  // Overflow drops what is queued; its owner settles the count at its end.
  send_queue small;
  const size_t tiny = 2 * (10 + send_queue::entry_cost);
  small.push(f, ws::op_text, tiny, {}, true);
  small.push(f, ws::op_text, tiny, {}, true);
  CHECK(small.push(f, ws::op_text, tiny, {}, true) == send_queue::pushed::full);
  CHECK(small.size() == 0);
  CHECK(small.bulk() == 2);
}
