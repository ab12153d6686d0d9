#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "actors/namespace_catalog.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace herald;


TEST_CASE("namespaces persist across reopen, create conflicts, remove") {
  auto dir = temp_dir("catalog");
  {
    auto st = storage::store::open(dir);
    REQUIRE(st);
    namespace_catalog cat(st.value().get());
    REQUIRE(cat.load());
    namespace_settings s;
    s.name = "alpha";
    s.secret = "x";
    s.client_publish = true;
    s.room_history = 7;
    REQUIRE(cat.create(s));
    auto again = cat.create(s);
    REQUIRE_FALSE(again);
    CHECK(again.err().code == errc::conflict);
    s.name = "beta";
    REQUIRE(cat.create(s));
    REQUIRE(cat.remove("beta"));
    CHECK(cat.remove("beta").err().code == errc::not_found);
    s.name = "Bad Name";
    CHECK(cat.create(s).err().code == errc::bad_request);
  }
  {
    auto st = storage::store::open(dir);
    REQUIRE(st);
    namespace_catalog cat(st.value().get());
    REQUIRE(cat.load());
    auto a = cat.get("alpha");
    REQUIRE(a);
    CHECK(a->secret == "x");
    CHECK(a->client_publish);
    CHECK(a->room_history == 7);
    CHECK_FALSE(cat.get("beta"));
    CHECK(cat.list().size() == 1);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a data_dir held by another store is refused with a clear message") {
  auto dir = temp_dir("lock");
  auto first = storage::store::open(dir);
  REQUIRE(first);
  auto second = storage::store::open(dir);
  REQUIRE_FALSE(second);
  CHECK_THAT(second.err().message, Catch::Contains("in use"));
  first.value().reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("random secrets are 32 hex characters and differ") {
  auto a = random_secret(), b = random_secret();
  CHECK(a.size() == 32);
  CHECK(a != b);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("a rotated secret: both work during the grace, it persists, and is marked newer") {
  auto dir = temp_dir("rotate");
  {
    auto st = storage::store::open(dir);
    REQUIRE(st);
    namespace_catalog cat(st.value().get());
    namespace_settings s;
    s.name = "t";
    s.secret = "old";
    s.secret_grace = 60;
    REQUIRE(cat.create(s));
    CHECK(cat.get("t")->secrets(1000) == std::vector<std::string>{"old"});
    auto r = cat.rotate_secret("t", 1000000);
    REQUIRE(r);
    auto fresh = r.value()->secret;
    CHECK(fresh != "old");
    CHECK(r.value()->changed_ms == 1000000);
    CHECK(r.value()->secrets(1000000 + 59999) == std::vector<std::string>{fresh, "old"});
    CHECK(r.value()->secrets(1000000 + 60000) == std::vector<std::string>{fresh});
    // Rotated twice in the same millisecond: still strictly newer.
    auto again = cat.rotate_secret("t", 1000000);
    REQUIRE(again);
    CHECK(again.value()->changed_ms == 1000001);
    CHECK(again.value()->previous_secret == fresh);
    CHECK(cat.rotate_secret("nope", 1).err().code == errc::not_found);
  }
  {
    auto st = storage::store::open(dir);
    REQUIRE(st);
    namespace_catalog cat(st.value().get());
    REQUIRE(cat.load());
    auto t = cat.get("t");
    REQUIRE(t);
    CHECK(t->changed_ms == 1000001);
    CHECK(t->secret_grace == 60);
    CHECK(t->secrets(1000001 + 1000).size() == 2);
  }
  std::filesystem::remove_all(dir);
}
