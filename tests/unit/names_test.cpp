#include <catch2/catch.hpp>

#include "actors/names.hpp"

using namespace herald;

TEST_CASE("namespace names") {
  CHECK(valid_namespace_name("demo"));
  CHECK(valid_namespace_name("a-b_9"));
  CHECK(valid_namespace_name(std::string(64, 'a')));
  CHECK_FALSE(valid_namespace_name(std::string(65, 'a')));
  CHECK_FALSE(valid_namespace_name(""));
  CHECK_FALSE(valid_namespace_name("Demo"));
  CHECK_FALSE(valid_namespace_name("a.b"));
  CHECK_FALSE(valid_namespace_name("a/b"));
}

TEST_CASE("user, device and room ids: 1..128 bytes of UTF-8, no control characters") {
  CHECK(valid_id("u1"));
  CHECK(valid_id("Jürgen 🎉"));
  CHECK(valid_id(std::string(128, 'x')));
  CHECK_FALSE(valid_id(std::string(129, 'x')));
  CHECK_FALSE(valid_id(""));
  CHECK_FALSE(valid_id("a\nb"));
  CHECK_FALSE(valid_id("a\x7f"));
  CHECK_FALSE(valid_id("\xc2\x85"));      // C1 control
  CHECK_FALSE(valid_id("\xff\xfe"));      // not UTF-8
  CHECK_FALSE(valid_id("\xc0\xaf"));      // overlong
  CHECK_FALSE(valid_id("\xed\xa0\x80"));  // surrogate
}

TEST_CASE("host:port addresses") {
  auto a = parse_host_port("127.0.0.1:8080");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 8080);
  auto v6 = parse_host_port("[::1]:7400");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(parse_host_port(":0")->host.empty());
  CHECK(parse_host_port("h:65535")->port == 65535);
  CHECK_FALSE(parse_host_port("h:65536"));
  CHECK_FALSE(parse_host_port("h:"));
  CHECK_FALSE(parse_host_port("h:8o"));
  CHECK_FALSE(parse_host_port("h:-1"));
  CHECK_FALSE(parse_host_port("no-port"));
}

TEST_CASE("loopback hosts are 127.0.0.0/8 and ::1 and localhost", "[names]") {
  for (auto h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) CHECK(herald::is_loopback_host(h));
  for (auto h : {"", "0.0.0.0", "10.0.0.1", "128.0.0.1", "127.0.0", "127.0.0.1.5", "127.a.0.1", "::", "host"})
    CHECK_FALSE(herald::is_loopback_host(h));
}
