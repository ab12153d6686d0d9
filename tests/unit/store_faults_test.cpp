// The store's damage checks at open and its synced mark (storage/
// store_open.cpp, storage/synced_mark.cpp). Full disks, truncated and
// bit-flipped files on a real node: tests/integration/store_faults.test.mjs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <rocksdb/db.h>

#include "storage/store.hpp"
#include "storage/synced_mark.hpp"
#include "temp_dir.hpp"

using namespace herald;
using namespace herald::storage;

namespace {
store_options with(recovery r) {
  store_options o;
  o.on_damage = r;
  return o;
}
void push_one(store& s, uint64_t seq) {
  auto b = s.make_batch();
  b.put_inbox("ns", "u", seq, record{"id" + std::to_string(seq), 1, "api", "", "1", 0});
  REQUIRE(s.commit_now(std::move(b)));
}
}  // namespace

TEST_CASE("the synced mark survives a reopen, only moves up, and reads a torn file as unknown") {
  auto dir = temp_dir("mark");
  std::filesystem::create_directories(dir);
  {
    auto m = synced_mark::open(dir);
    REQUIRE(m);
    CHECK_FALSE(m->recorded());
    m->note(7);
    m->note(5);  // lower: ignored
  }
  {
    auto m = synced_mark::open(dir);
    REQUIRE(m);
    REQUIRE(m->recorded());
    CHECK(*m->recorded() == 7);
    REQUIRE(m->reset(3));  // after an accepted loss, downwards
  }
  CHECK(*synced_mark::open(dir)->recorded() == 3);
  {
    std::fstream f(dir + "/" + synced_mark::file_name, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);
    f.put('\x55');  // the number no longer matches its inverted copy
  }
  CHECK_FALSE(synced_mark::open(dir)->recorded());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a database that lost writes it had synced is refused unless the loss is accepted") {
  auto dir = temp_dir("lost");
  {
    auto s = store::open(dir);
    REQUIRE(s);
    for (uint64_t i = 1; i <= 3; ++i) push_one(*s.value(), i);
  }
  // As if the log had been truncated: the mark is ahead of the data.
  REQUIRE(synced_mark::open(dir)->reset(1000));
  auto refused = store::open(dir);
  REQUIRE_FALSE(refused);
  CHECK(refused.err().kind == fault::corrupt);
  CHECK_THAT(refused.err().message, Catch::Contains("writes are missing") && Catch::Contains("accept_loss"));
  {
    auto s = store::open(dir, with(recovery::accept_loss));
    REQUIRE(s);
    CHECK(s.value()->inbox("ns", "u").value().size() == 3);
  }
  // Accepted once: the mark was reset, so a strict open works again.
  CHECK(store::open(dir));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a database without herald's column families is refused, not filled with empty ones") {
  auto dir = temp_dir("nocf");
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(o, dir, &db).ok());
    REQUIRE(db->Put({}, "k", "v").ok());
    delete db;
  }
  auto refused = store::open(dir);
  REQUIRE_FALSE(refused);
  CHECK(refused.err().kind == fault::corrupt);
  CHECK_THAT(refused.err().message, Catch::Contains("lacks the column families") && Catch::Contains("repair"));
  // The refusal changed nothing: still refused.
  CHECK_FALSE(store::open(dir));
  auto s = store::open(dir, with(recovery::accept_loss));
  REQUIRE(s);
  CHECK(s.value()->namespaces().value().empty());
  s = failure{fault::io, "closed"};
  std::filesystem::remove_all(dir);
}

TEST_CASE("a database of a version without the hooks family opens and gets it") {
  auto dir = temp_dir("oldcf");
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descs{{rocksdb::kDefaultColumnFamilyName, {}}};
    for (auto* n : {"namespaces", "inbox", "cursors", "history", "receipts"}) descs.emplace_back(n, rocksdb::ColumnFamilyOptions{});
    std::vector<rocksdb::ColumnFamilyHandle*> cfs;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(o, dir, descs, &cfs, &db).ok());
    REQUIRE(db->Put({}, cfs[1], "ns", "{}").ok());
    for (auto* h : cfs) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto s = store::open(dir);  // strict, the default
  REQUIRE(s);
  CHECK(s.value()->namespaces().value().size() == 1);
  auto b = s.value()->make_batch();
  b.put_hook("ns", 1, "{}");
  REQUIRE(s.value()->commit_now(std::move(b)));
  CHECK(s.value()->hooks("ns").value().size() == 1);
  s = failure{fault::io, "closed"};
  std::filesystem::remove_all(dir);
}

TEST_CASE("a fresh or foreign-but-empty data_dir opens as a new store") {
  auto dir = temp_dir("fresh");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/README") << "not a database file";
  auto s = store::open(dir);
  REQUIRE(s);
  CHECK(s.value()->writable());
  CHECK_FALSE(s.value()->refusal());
  std::filesystem::remove_all(dir);
}
