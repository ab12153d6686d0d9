#include <catch2/catch.hpp>

#include "actors/handoff.hpp"
#include "actors/user_inbox.hpp"

using namespace herald;
using storage::cursor;
using storage::record;

namespace {
record rec(const std::string& id, int64_t ts, int64_t expires = 0) { return record{id, ts, "api", "", "{}", expires}; }

std::vector<std::string> ids(const seq_records& rs) {
  std::vector<std::string> out;
  for (auto& [seq, r] : rs) out.push_back(r.id);
  return out;
}

const cursor* find(const device_cursors& cs, const std::string& device) {
  for (auto& [d, c] : cs)
    if (d == device) return &c;
  return nullptr;
}

// The ids a device has not acked in a rewritten inbox.
std::vector<std::string> unacked(const inbox_rewrite& w, const std::string& device) {
  auto* c = find(w.cursors, device);
  std::vector<std::string> out;
  for (auto& [seq, r] : w.put)
    if (!c || !c->acked(seq)) out.push_back(r.id);
  return out;
}
}  // namespace

TEST_CASE("export_inbox carries live records and each device's acked ids") {
  seq_records recs{{1, rec("a", 10)}, {2, rec("b", 20, 5)}, {3, rec("c", 30)}};
  cursor phone;
  phone.upto = 1;
  phone.ack(3);
  auto h = export_inbox(recs, {{"phone", phone}, {"tablet", cursor{}}}, 100);
  REQUIRE(h.records.size() == 2);  // b expired at 5
  CHECK(h.records[0].msg.id == "a");
  CHECK(h.records[1].msg.id == "c");
  REQUIRE(h.devices.size() == 2);
  CHECK(h.devices[0].acked == std::vector<std::string>{"a", "c"});
  CHECK(h.devices[1].acked.empty());
}

TEST_CASE("merge_inbox interleaves by accept time under fresh seqs and keeps acks of both sides") {
  // New owner: got "n2" (ts 25) after the move; its phone acked it.
  cursor mine;
  mine.ack(8);
  seq_records here{{8, rec("n2", 25)}};
  // Old owner: "o1" (ts 10, acked by the phone there), "o3" (ts 30).
  handoff_state in;
  in.records = {{to_message(rec("o1", 10)), 0}, {to_message(rec("o3", 30)), 0}};
  in.devices = {{"phone", {"o1"}}, {"laptop", {}}};
  auto w = merge_inbox(here, {{"phone", mine}}, 8, in, 100);
  REQUIRE(w);
  CHECK(w->added == 2);
  CHECK(w->erase == std::vector<uint64_t>{8});
  CHECK(ids(w->put) == std::vector<std::string>{"o1", "n2", "o3"});
  CHECK(w->put.front().first == 9);  // above every seq used before
  CHECK(w->added_seqs == std::vector<uint64_t>{9, 11});
  CHECK(unacked(*w, "phone") == std::vector<std::string>{"o3"});
  CHECK(unacked(*w, "laptop") == std::vector<std::string>{"o1", "n2", "o3"});
  CHECK(find(w->cursors, "phone")->upto == 10);  // o1, n2 acked in a row
}

TEST_CASE("merge_inbox is idempotent: a second handoff of the same state changes nothing") {
  handoff_state in;
  in.records = {{to_message(rec("a", 10)), 0}, {to_message(rec("b", 20)), 0}};
  in.devices = {{"phone", {"a"}}};
  auto first = merge_inbox({}, {}, 0, in, 100);
  REQUIRE(first);
  CHECK(first->added == 2);
  CHECK(!merge_inbox(first->put, first->cursors, 2, in, 100));
  // A new ack from the old side is still news.
  in.devices[0].acked.push_back("b");
  auto again = merge_inbox(first->put, first->cursors, 2, in, 100);
  REQUIRE(again);
  CHECK(again->added == 0);
  CHECK(ids(again->put) == std::vector<std::string>{"a", "b"});
  CHECK(unacked(*again, "phone").empty());
}

TEST_CASE("merge_inbox drops expired records and never reuses a seq") {
  handoff_state in;
  in.records = {{to_message(rec("old", 1, 50)), 50}, {to_message(rec("new", 2)), 0}};
  auto w = merge_inbox({{4, rec("x", 3)}}, {}, 7, in, 100);
  REQUIRE(w);
  CHECK(ids(w->put) == std::vector<std::string>{"new", "x"});
  CHECK(w->put.front().first == 8);
}

TEST_CASE("merge_history keeps the newest `limit` in accept-time order, each id once") {
  seq_records here{{5, rec("h2", 20)}, {6, rec("h4", 40)}};
  auto in = export_history({{1, rec("h1", 10)}, {2, rec("h2", 20)}, {3, rec("h3", 30)}});
  auto w = merge_history(here, 6, in, 3);
  REQUIRE(w);
  CHECK(w->added == 1);  // h3; h1 is older than the newest three
  CHECK(w->keep_from == 7);
  CHECK(ids(w->put) == std::vector<std::string>{"h2", "h3", "h4"});
  CHECK(w->put.front().first == 7);
  CHECK(!merge_history(w->put, 9, in, 3));
}
