// compose(): an actor's handler groups become one behaviour whose cases are
// tried in the order the groups were given, the first that takes a
// message wins.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interface.hpp"

using namespace herald;

namespace {
struct two : interface<int, std::string> {};
}  // namespace

TEST_CASE("compose tries its groups in order and the first handler of a message wins", "[interface]") {
  std::vector<std::string> seen;
  auto b = compose(handlers_for(interface<int>{}, [&](auto&) { seen.push_back("group int"); }),
                   handlers_of<two>([&](int) { seen.push_back("second int"); },
                                    [&](std::string& s) { seen.push_back("string " + s); }),
                   [&](double) { seen.push_back("single double"); });
  auto i = caf::make_message(1);
  auto s = caf::make_message(std::string{"x"});
  auto d = caf::make_message(2.5);
  auto c = caf::make_message('c');
  CHECK(b(i));
  CHECK(b(s));
  CHECK(b(d));
  CHECK_FALSE(b(c));  // no handler: no match, nothing run
  CHECK(seen == std::vector<std::string>{"group int", "string x", "single double"});
}

TEST_CASE("a handler's answer is the behaviour's answer", "[interface]") {
  auto b = compose(handlers_of<interface<int>>([](int x) { return x * 2; }), [](const std::string& s) { return s + "!"; });
  auto i = caf::make_message(21);
  auto r = b(i);
  REQUIRE(r);
  CHECK(r->get_as<int>(0) == 42);
  auto s = caf::make_message(std::string{"hi"});
  auto t = b(s);
  REQUIRE(t);
  CHECK(t->get_as<std::string>(0) == "hi!");
}
