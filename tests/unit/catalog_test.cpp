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

TEST_CASE("an update changes settings and persists as newer while a refusal changes nothing", "[catalog]") {
  auto dir = temp_dir("update");
  {
    auto st = storage::store::open(dir);
    REQUIRE(st);
    namespace_catalog cat(st.value().get());
    namespace_settings s;
    s.name = "u";
    s.secret = "sec";
    REQUIRE(cat.create(s));
    auto r = cat.update("u", [](namespace_settings& n) -> status {
      n.rooms = room_policy::token;
      n.name = "renamed";  // ignored: the name stays
      return ok();
    }, 5000);
    REQUIRE(r);
    CHECK(r.value()->rooms == room_policy::token);
    CHECK(r.value()->name == "u");
    CHECK(r.value()->secret == "sec");
    CHECK(r.value()->changed_ms == 5000);
    auto refused = cat.update("u", [](namespace_settings& n) -> status {
      n.rooms = room_policy::open;
      return error{errc::bad_request, "no"};
    }, 6000);
    CHECK(refused.err().code == errc::bad_request);
    CHECK(cat.get("u")->rooms == room_policy::token);
    CHECK(cat.update("nope", [](namespace_settings&) -> status { return ok(); }, 1).err().code == errc::not_found);
  }
  auto st = storage::store::open(dir);
  REQUIRE(st);
  namespace_catalog cat(st.value().get());
  REQUIRE(cat.load());
  CHECK(cat.get("u")->rooms == room_policy::token);
  CHECK(cat.get("u")->changed_ms == 5000);
}
