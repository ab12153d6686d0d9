#include <catch2/catch.hpp>

#include "actors/user_inbox.hpp"

using namespace herald;

namespace {
std::string msg(const std::string& id) { return id; }
std::vector<std::string> ids(const std::vector<const inbox_entry*>& v) {
  std::vector<std::string> out;
  for (auto* e : v) out.push_back(e->id);
  return out;
}
}  // namespace

TEST_CASE("a new device gets the whole backlog in order, acks remove what it has") {
  user_inbox in;
  for (auto id : {"a", "b", "c", "d"}) in.append(msg(id), 0);
  CHECK(ids(in.backlog("phone", 100)) == std::vector<std::string>{"a", "b", "c", "d"});
  auto r = in.ack("phone", {"b", "d"});  // out of order
  CHECK(r.changed);
  CHECK(r.newly_acked == std::vector<std::string>{"b", "d"});
  CHECK(r.cursor.upto == 0);
  CHECK(ids(in.backlog("phone", 100)) == std::vector<std::string>{"a", "c"});
  CHECK(ids(in.backlog("laptop", 100)).size() == 4);  // per device
  r = in.ack("phone", {"a"});
  CHECK(r.cursor.upto == 2);  // a, b contiguous
  r = in.ack("phone", {"c", "c", "zzz"});
  CHECK(r.cursor.upto == 4);
  CHECK(r.cursor.above.empty());
  CHECK(r.unknown == std::vector<std::string>{"zzz"});
  CHECK(in.backlog("phone", 100).empty());
  // Acking again changes nothing.
  r = in.ack("phone", {"a"});
  CHECK_FALSE(r.changed);
  CHECK(r.newly_acked.empty());
}

TEST_CASE("expired entries are neither replayed nor block the cursor") {
  user_inbox in;
  in.append(msg("a"), 50);   // expires at 50
  in.append(msg("b"), 0);
  in.append(msg("c"), 500);
  CHECK(ids(in.backlog("d", 100)) == std::vector<std::string>{"b", "c"});
  in.drop_expired(100);
  CHECK(in.size() == 2);
  auto r = in.ack("d", {"b"});
  CHECK(r.cursor.upto == 2);  // a is gone, so b's seq closes the gap
  CHECK(ids(in.backlog("d", 600)).empty());
}

TEST_CASE("load restores entries and cursors, new seqs continue after both") {
  user_inbox in;
  storage::cursor c;
  c.upto = 7;
  in.load({{5, storage::record{"x", 1, "api", "", "1", 0}}, {8, storage::record{"y", 1, "api", "", "1", 0}}},
          {{"phone", c}});
  CHECK(ids(in.backlog("phone", 10)) == std::vector<std::string>{"y"});
  CHECK(ids(in.backlog("tablet", 10)) == std::vector<std::string>{"x", "y"});
  CHECK(in.append(msg("z"), 0).seq == 9);
  CHECK(in.knows_device("phone"));
  CHECK_FALSE(in.knows_device("tablet"));
}

TEST_CASE("pages split a backlog by size, at least one entry each") {
  user_inbox in;
  for (int i = 0; i < 5; ++i) in.append("m" + std::to_string(i), 0, 100);
  bool more = false;
  auto p1 = in.page("d", 0, 10, 250, more);
  CHECK(ids(p1) == std::vector<std::string>{"m0", "m1"});
  CHECK(more);
  auto p2 = in.page("d", p1.back()->seq, 10, 250, more);
  CHECK(ids(p2) == std::vector<std::string>{"m2", "m3"});
  auto p3 = in.page("d", p2.back()->seq, 10, 250, more);
  CHECK(ids(p3) == std::vector<std::string>{"m4"});
  CHECK_FALSE(more);
  CHECK(in.page("d", p3.back()->seq, 10, 250, more).empty());
  CHECK(ids(in.page("d", 0, 10, 1, more)) == std::vector<std::string>{"m0"});  // one even if too big
}
