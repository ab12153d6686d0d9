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
