#include <catch2/catch.hpp>

#include "net/url.hpp"

using namespace herald;

TEST_CASE("query strings decode and tolerate odd shapes") {
  auto t = url::parse_target("/v1/ws?ns=demo&token=a%2Bb+c&client=&&x");
  CHECK(t.ok);
  CHECK(t.path == "/v1/ws");
  CHECK(t.query.at("ns") == "demo");
  CHECK(t.query.at("token") == "a+b c");
  CHECK(t.query.at("client").empty());
  CHECK(t.query.count("x") == 1);
  CHECK_FALSE(url::parse_target("/a?x=%zz").ok);
  CHECK_FALSE(url::parse_target("/a?x=%4").ok);
}

TEST_CASE("path segments are percent-decoded, '+' stays") {
  auto s = url::segments("/v1/users/J%C3%BCrgen+1/disconnect");
  REQUIRE(s);
  CHECK(*s == std::vector<std::string>{"v1", "users", "Jürgen+1", "disconnect"});
  CHECK_FALSE(url::segments("/v1/users/%"));
  CHECK_FALSE(url::segments("/v1/users/%g1"));
}

TEST_CASE("base64") {
  CHECK(url::base64_decode("ZGVtbzpkZW1vLXNlY3JldA==") == std::optional<std::string>("demo:demo-secret"));
  CHECK(url::base64_decode("YQ") == std::optional<std::string>("a"));
  CHECK_FALSE(url::base64_decode("a$b="));
  CHECK_FALSE(url::base64_decode("Y"));
}
