#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "actors/local_hub.hpp"
#include "actors/room_set.hpp"

using namespace herald;

TEST_CASE("room_set holds each room once, and takes any out") {
  room_set s;
  CHECK(s.empty());
  CHECK(s.insert("a"));
  CHECK(s.insert("b"));
  CHECK_FALSE(s.insert("a"));
  CHECK(s.insert("c"));
  CHECK(s.size() == 3);
  CHECK(s.count("b") == 1);
  CHECK(s.count("z") == 0);
  CHECK(s.erase("a") == 1);  // the first: the last moves into its place
  CHECK(s.erase("a") == 0);
  CHECK(s.erase("z") == 0);
  CHECK(std::set<std::string>(s.begin(), s.end()) == std::set<std::string>{"b", "c"});
  CHECK(s.erase("c") == 1);
  CHECK(s.erase("b") == 1);
  CHECK(s.empty());
  CHECK(s.insert("b"));  // usable again after emptying
  CHECK(s.count("b") == 1);
}

TEST_CASE("room_set is smaller than the unordered_set it replaced") {
  CHECK(sizeof(room_set) <= 24);
  CHECK(sizeof(local_hub::session) < sizeof(session_info) + 8 + 16 + 56);
}
