#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace herald;
using namespace herald::storage;

namespace {
int64_t now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
record rec(const std::string& id, int64_t expires = 0) { return record{id, 1, "api", "", "{\"n\":1}", expires}; }

// Commits through the writer thread and waits for the callback.
status commit_wait(store& s, batch b) {
  std::mutex m;
  std::condition_variable cv;
  std::optional<status> got;
  s.commit(std::move(b), [&](status st) {
    std::lock_guard lock(m);
    got = st;
    cv.notify_one();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return got.has_value(); });
  return *got;
}
}  // namespace

TEST_CASE("records, cursors and counts round-trip") {
  record r{"1a2b3c4d5e6-abcdef-1", 123, "u\0x", "room", "[1,2]", 456};
  r.from = std::string("u\0x", 3);
  auto back = decode_record(encode(r));
  REQUIRE(back);
  CHECK(back->id == r.id);
  CHECK(back->from == r.from);
  CHECK(back->data == r.data);
  CHECK(back->expires_at == 456);
  CHECK(expiry_of(encode(r)) == std::optional<int64_t>(456));
  CHECK_FALSE(decode_record("garbage"));
  cursor c;
  c.upto = 5;
  c.above = {7, 9};
  auto cb = decode_cursor(encode(c));
  REQUIRE(cb);
  CHECK(cb->upto == 5);
  CHECK(cb->above == std::set<uint64_t>{7, 9});
  CHECK(decode_counts(encode(counts{3, 2}))->acked == 2);
  CHECK(id_time("0000000000f-abc-1") == std::optional<int64_t>(15));
  CHECK_FALSE(id_time("nope"));
}

TEST_CASE("sequence keys sort in publish order") {
  CHECK(key_seq("ns", "u", 255) < key_seq("ns", "u", 256));
  CHECK(key_seq("ns", "u", 1) < key_seq("ns", "u", 1ull << 40));
  CHECK(seq_of(key_seq("ns", "u", 77)) == 77);
  // A user whose name extends another's does not share its prefix.
  CHECK(key_seq("ns", "ab", 1).rfind(prefix("ns", "a"), 0) != 0);
}

TEST_CASE("inbox keeps order, hides expired records, survives reopen") {
  auto dir = temp_dir("inbox");
  {
    auto s = store::open(dir);
    REQUIRE(s);
    auto b = s.value()->make_batch();
    for (uint64_t i = 1; i <= 300; ++i) b.put_inbox("ns", "u", i, rec("m" + std::to_string(i)));
    b.put_inbox("ns", "u", 301, rec("old", now() - 1000));
    b.put_inbox("ns", "u2", 1, rec("other"));
    b.put_inbox("ns2", "u", 1, rec("other ns"));
    REQUIRE(commit_wait(*s.value(), std::move(b)));
  }
  auto s = store::open(dir);
  REQUIRE(s);
  auto rows = s.value()->inbox("ns", "u");
  REQUIRE(rows);
  REQUIRE(rows.value().size() == 300);
  for (uint64_t i = 0; i < 300; ++i) {
    CHECK(rows.value()[i].first == i + 1);
    CHECK(rows.value()[i].second.id == "m" + std::to_string(i + 1));
  }
  // The expired record is on disk until the sweep's compaction drops it.
  CHECK(s.value()->raw_inbox_count("ns", "u") == 301);
  s.value()->compact_expired();
  CHECK(s.value()->raw_inbox_count("ns", "u") == 300);
  CHECK(s.value()->inbox("ns", "u").value().size() == 300);
  s.value().reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("has_backlog: unexpired records of that very user its cursor does not cover") {
  auto dir = temp_dir("has_backlog");
  auto s = store::open(dir);
  REQUIRE(s);
  auto& st = *s.value();
  CHECK(st.has_backlog("ns", "u", "d").value() == false);
  auto b = st.make_batch();
  b.put_inbox("ns", "u", 1, rec("gone", now() - 1000));
  b.put_inbox("ns", "u2", 1, rec("other user"));
  b.put_inbox("ns", "u\x01", 1, rec("longer name"));
  b.put_inbox("ns2", "u", 1, rec("other ns"));
  REQUIRE(commit_wait(st, std::move(b)));
  CHECK(st.has_backlog("ns", "u", "d").value() == false);  // expired only, and neighbours' keys
  b = st.make_batch();
  b.put_inbox("ns", "u", 2, rec("live", now() + 60000));
  b.put_inbox("ns", "u", 3, rec("live too"));
  REQUIRE(commit_wait(st, std::move(b)));
  CHECK(st.has_backlog("ns", "u", "d").value() == true);  // no cursor: everything
  cursor c;
  c.ack(2);
  b = st.make_batch();
  b.put_cursor("ns", "u", "d", c);
  REQUIRE(commit_wait(st, std::move(b)));
  CHECK(st.has_backlog("ns", "u", "d").value() == true);  // 3 is not acked
  c.ack(3);
  b = st.make_batch();
  b.put_cursor("ns", "u", "d", c);
  REQUIRE(commit_wait(st, std::move(b)));
  CHECK(st.has_backlog("ns", "u", "d").value() == false);
  CHECK(st.has_backlog("ns", "u", "other device").value() == true);
  b = st.make_batch();
  b.delete_inbox("ns", "u", 2);
  b.delete_inbox("ns", "u", 3);
  REQUIRE(commit_wait(st, std::move(b)));
  CHECK(st.has_backlog("ns", "u", "other device").value() == false);
  s.value().reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("cursors per device, receipts merge, history trims") {
  auto dir = temp_dir("misc");
  auto s = store::open(dir);
  REQUIRE(s);
  auto& st = *s.value();
  cursor c;
  c.upto = 3;
  c.above = {5};
  auto b = st.make_batch();
  b.put_cursor("ns", "u", "phone", c);
  b.put_cursor("ns", "u", "laptop", cursor{});
  b.add_counts("ns", "m1", {2, 0});
  REQUIRE(commit_wait(st, std::move(b)));
  auto b2 = st.make_batch();
  b2.add_counts("ns", "m1", {0, 1});
  b2.add_counts("ns", "m1", {1, 1});
  for (uint64_t i = 1; i <= 10; ++i) b2.put_history("ns", "room", i, rec("h" + std::to_string(i)));
  b2.trim_history("ns", "room", 8);  // keep 8, 9, 10
  REQUIRE(commit_wait(st, std::move(b2)));
  auto cs = st.cursors("ns", "u");
  REQUIRE(cs);
  REQUIRE(cs.value().size() == 2);
  CHECK(cs.value()[1].first == "phone");
  CHECK(cs.value()[1].second.upto == 3);
  auto r = st.receipt("ns", "m1");
  REQUIRE(r);
  REQUIRE(r.value());
  CHECK(r.value()->sent == 3);
  CHECK(r.value()->acked == 2);
  CHECK_FALSE(st.receipt("ns", "nope").value());
  CHECK_FALSE(st.receipt("other", "m1").value());
  auto h = st.history("ns", "room", 100);
  REQUIRE(h);
  REQUIRE(h.value().size() == 3);
  CHECK(h.value()[0].second.id == "h8");
  CHECK(h.value()[2].second.id == "h10");
  auto last2 = st.history("ns", "room", 2);
  REQUIRE(last2.value().size() == 2);
  CHECK(last2.value()[0].second.id == "h9");
  CHECK(st.history("ns", "roo", 10).value().empty());
  // Deleting a namespace deletes its data.
  REQUIRE(st.put_namespace("ns", "{}"));
  REQUIRE(st.delete_namespace("ns"));
  CHECK(st.inbox("ns", "u").value().empty());
  CHECK(st.cursors("ns", "u").value().empty());
  CHECK(st.history("ns", "room", 10).value().empty());
  CHECK_FALSE(st.receipt("ns", "m1").value());
  s.value().reset();
  std::filesystem::remove_all(dir);
}

// Receipt and history writes start their memtable search from the previous
// key of the same prefix (a hint): keys that do not follow it must still
// land in order.
TEST_CASE("receipts and history written out of order read back whole and in order") {
  auto dir = temp_dir("hints");
  auto s = store::open(dir);
  REQUIRE(s);
  auto& st = *s.value();
  const std::vector<std::string> spaces{"n", "n2", "a"};
  const std::vector<int> order{7, 3, 9, 1, 5, 0, 8, 2, 6, 4};
  for (int round = 0; round < 3; ++round) {
    auto b = st.make_batch();
    for (int i : order)
      for (auto& ns : spaces) {
        b.add_counts(ns, "m" + std::to_string(i), {static_cast<uint64_t>(i + 1), 0});
        b.put_history(ns, i % 2 ? "odd" : "even", static_cast<uint64_t>(round * 10 + 9 - i), rec(ns + std::to_string(round * 10 + 9 - i)));
      }
    REQUIRE(commit_wait(st, std::move(b)));
  }
  for (auto& ns : spaces)
    for (int i = 0; i < 10; ++i) {
      auto r = st.receipt(ns, "m" + std::to_string(i));
      REQUIRE(r);
      REQUIRE(r.value());
      CHECK(r.value()->sent == static_cast<uint64_t>(3 * (i + 1)));
    }
  for (auto& ns : spaces)
    for (auto room : {"odd", "even"}) {
      auto h = st.history(ns, room, 100);
      REQUIRE(h);
      REQUIRE(h.value().size() == 15);
      for (size_t k = 1; k < h.value().size(); ++k) CHECK(h.value()[k - 1].first < h.value()[k].first);
      for (auto& [seq, r] : h.value()) CHECK(r.id == ns + std::to_string(seq));
    }
  s.value().reset();
  std::filesystem::remove_all(dir);
}

// Debian's RocksDB defaults to debug logging unless NDEBUG is set: a line
// per group commit in the LOG, without bound.
// RocksDB logs into herald's log (storage/rocks.cpp: a LOG file in data_dir
// is what crashed the node on a full disk), and a group commit logs nothing
// per write: "FlushWAL" lines once cost 4 % of a push's instructions.
TEST_CASE("RocksDB's messages go to herald's log, with no per-write lines and no LOG file") {
  std::ostringstream out;
  auto saved = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  capture->set_level(spdlog::level::debug);
  spdlog::set_default_logger(capture);
  auto dir = temp_dir("log");
  {
    auto s = store::open(dir);
    REQUIRE(s);
    for (int i = 0; i < 200; ++i) {
      auto b = s.value()->make_batch();
      b.put_inbox("ns", "u", static_cast<uint64_t>(i + 1), rec("m" + std::to_string(i)));
      REQUIRE(commit_wait(*s.value(), std::move(b)));
    }
  }
  spdlog::set_default_logger(saved);
  auto text = out.str();
  CHECK(text.find("rocksdb: ") != std::string::npos);  // its options dump at open, at debug
  CHECK(text.find("FlushWAL") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/LOG"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("group commit and one sync per write both make every batch durable") {
  for (bool group : {true, false}) {
    auto dir = temp_dir(group ? "gc-on" : "gc-off");
    {
      store_options o;
      o.group_commit = group;
      auto s = store::open(dir, o);
      REQUIRE(s);
      std::mutex m;
      std::condition_variable cv;
      int done = 0, failed = 0;
      for (uint64_t i = 1; i <= 200; ++i) {
        auto b = s.value()->make_batch();
        b.put_inbox("ns", "u", i, rec("m" + std::to_string(i)));
        s.value()->commit(std::move(b), [&](status st) {
          std::lock_guard lock(m);
          ++done;
          if (!st) ++failed;
          cv.notify_one();
        });
      }
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return done == 200; });
      CHECK(failed == 0);
    }
    auto s = store::open(dir);
    CHECK(s.value()->inbox("ns", "u").value().size() == 200);
    s.value().reset();
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("keys lists each user and room a namespace holds, once") {
  auto dir = temp_dir("keys");
  auto opened = store::open(dir);
  REQUIRE(opened);
  auto& s = opened.value();
  auto b = s->make_batch();
  b.put_inbox("ns", "alice", 1, rec("m1"));
  b.put_inbox("ns", "alice", 2, rec("m2"));
  b.put_inbox("ns", "bob", 1, rec("m3"));
  b.put_cursor("ns", "carol", "phone", cursor{});
  b.put_cursor("ns", "alice", "phone", cursor{});
  b.put_history("ns", "lobby", 1, rec("m4"));
  b.put_inbox("nsx", "dave", 1, rec("m5"));  // another namespace sharing a prefix
  b.put_inbox("n", "erin", 1, rec("m6"));
  REQUIRE(commit_wait(*s, std::move(b)));
  auto k = s->keys("ns").value();
  CHECK(k.users == std::vector<std::string>{"alice", "bob", "carol"});
  CHECK(k.rooms == std::vector<std::string>{"lobby"});
  auto d = s->make_batch();
  d.delete_inbox("ns", "bob", 1);
  d.delete_cursor("ns", "carol", "phone");
  REQUIRE(commit_wait(*s, std::move(d)));
  CHECK(s->keys("ns").value().users == std::vector<std::string>{"alice"});
  s.reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("relaxed batches are written and answered, with or without group commit") {
  for (bool group : {true, false}) {
    auto dir = temp_dir(group ? "relaxed-g" : "relaxed-s");
    store_options o;
    o.group_commit = group;
    auto opened = store::open(dir, o);
    REQUIRE(opened);
    auto& s = opened.value();
    auto synced = s->make_batch();
    synced.put_inbox("ns", "u", 1, rec("m1"));
    auto relaxed = s->make_batch();
    relaxed.add_counts("ns", "m1", {3, 0});
    relaxed.relax();
    CHECK(relaxed.relaxed());
    REQUIRE(commit_wait(*s, std::move(synced)));
    REQUIRE(commit_wait(*s, std::move(relaxed)));
    CHECK(s->receipt("ns", "m1").value()->sent == 3);
    CHECK(s->inbox("ns", "u").value().size() == 1);
    s.reset();
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("a read after writes sees every write queued before it whether or not it was waited for") {
  for (bool group : {true, false}) {
    auto dir = temp_dir(group ? "raw-g" : "raw-s");
    store_options o;
    o.group_commit = group;
    auto opened = store::open(dir, o);
    REQUIRE(opened);
    auto& s = opened.value();
    // Many counts written without waiting (a live-only push's), then a
    // receipt read: it must count all of them. A plain read() may run
    // before the writer has applied them.
    constexpr int n = 500;
    for (int i = 0; i < n; ++i) {
      auto b = s->make_batch();
      b.add_counts("ns", "m1", {1, 0});
      b.relax();
      s->commit(std::move(b), nullptr);
    }
    std::promise<uint64_t> seen;
    s->read_after_writes([&] {
      auto r = s->receipt("ns", "m1");
      seen.set_value(r && r.value() ? r.value()->sent : 0);
    });
    auto f = seen.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(f.get() == n);
    s.reset();
    std::filesystem::remove_all(dir);
  }
}

// Counts nobody waits for do not wake the writer one by one: they wait
// for company. Nothing else may be needed to get them written, and
// closing the store writes them too.
TEST_CASE("relaxed batches nobody waits for are written by themselves and on close") {
  auto dir = temp_dir("lazy");
  {
    auto opened = store::open(dir);
    REQUIRE(opened);
    auto& s = opened.value();
    auto b = s->make_batch();
    b.add_counts("ns", "alone", {1, 0});
    b.relax();
    s->commit(std::move(b), nullptr);
    uint64_t sent = 0;
    for (int i = 0; i < 1000 && sent == 0; ++i) {  // at most ~10 s
      if (auto r = s->receipt("ns", "alone"); r && r.value()) sent = r.value()->sent;
      if (sent == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(sent == 1);
    for (int i = 0; i < 300; ++i) {  // past the count that wakes the writer at once
      auto c = s->make_batch();
      c.add_counts("ns", "closing", {1, 0});
      c.relax();
      s->commit(std::move(c), nullptr);
    }
  }
  auto again = store::open(dir);
  REQUIRE(again);
  auto r = again.value()->receipt("ns", "closing");
  REQUIRE(r);
  REQUIRE(r.value());
  CHECK(r.value()->sent == 300);
  again.value().reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("webhook events: stored in order per namespace, deleted one by one, kept over a reopen") {
  auto dir = temp_dir("hooks");
  {
    auto s = store::open(dir);
    REQUIRE(s);
    auto b = s.value()->make_batch();
    for (uint64_t q : {3, 1, 2}) b.put_hook("ns", q, "{\"n\":" + std::to_string(q) + "}");
    b.put_hook("ns2", 1, "{}");
    REQUIRE(commit_wait(*s.value(), std::move(b)));
    auto d = s.value()->make_batch();
    d.delete_hook("ns", 2);
    REQUIRE(commit_wait(*s.value(), std::move(d)));
  }
  auto s = store::open(dir);
  REQUIRE(s);
  auto h = s.value()->hooks("ns");
  REQUIRE(h);
  REQUIRE(h.value().size() == 2);
  CHECK(h.value()[0] == std::pair<uint64_t, std::string>{1, "{\"n\":1}"});
  CHECK(h.value()[1].first == 3);
  REQUIRE(s.value()->delete_namespace("ns"));
  CHECK(s.value()->hooks("ns").value().empty());
  CHECK(s.value()->hooks("ns2").value().size() == 1);
  s.value().reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("device records: patches merge in any order, idle ones are listed, a namespace delete takes them") {
  device_record connect1{100, 100, 0, "n1", "10.0.0.1", "ua/1", R"({"os":"ios"})"};
  device_record gone1{0, 0, 150, "", "", "", ""};
  device_record connect2{200, 200, 0, "n2", "10.0.0.2", "ua/2", ""};
  auto a = merge(merge(merge({}, connect1), gone1), connect2);
  auto b = merge(merge(merge({}, connect2), connect1), gone1);  // a handoff's old copy arriving late
  for (auto* d : {&a, &b}) {
    CHECK(d->first_seen == 100);
    CHECK(d->last_connect == 200);
    CHECK(d->last_disconnect == 150);
    CHECK(d->node == "n2");
    CHECK(d->user_agent == "ua/2");
    CHECK(d->meta == R"({"os":"ios"})");  // kept: the later connect gave none
  }
  auto round = decode_device(encode(a));
  REQUIRE(round);
  CHECK(round->remote == "10.0.0.2");
  CHECK_FALSE(decode_device("x"));

  auto dir = temp_dir("devices");
  auto s = store::open(dir);
  REQUIRE(s);
  auto bt = s.value()->make_batch();
  bt.patch_device("ns", "u1", "phone", connect1);
  bt.patch_device("ns", "u1", "phone", gone1);
  bt.patch_device("ns", "u2", "tab", connect2);
  REQUIRE(commit_wait(*s.value(), std::move(bt)));
  auto rows = s.value()->devices("ns", "u1");
  REQUIRE(rows);
  REQUIRE(rows.value().size() == 1);
  CHECK(rows.value()[0].first == "phone");
  CHECK(rows.value()[0].second.last_disconnect == 150);
  auto idle = s.value()->idle_devices("ns", 180);
  REQUIRE(idle);
  CHECK(idle.value() == std::vector<std::pair<std::string, std::string>>{{"u1", "phone"}});
  auto keys = s.value()->keys("ns");
  REQUIRE(keys);
  CHECK(keys.value().users == std::vector<std::string>{"u1", "u2"});  // handed off like inboxes
  REQUIRE(s.value()->delete_namespace("ns"));
  CHECK(s.value()->devices("ns", "u1").value().empty());
  s.value().reset();
  std::filesystem::remove_all(dir);
}
