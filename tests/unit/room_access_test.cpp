#include <catch2/catch.hpp>

#include "actors/names.hpp"
#include "actors/room_access.hpp"
#include "apps/config.hpp"
#include "net/subscribe_client.hpp"
#include "net/token.hpp"

using namespace herald;

TEST_CASE("room patterns: exact names and prefixes ending in a star", "[rooms]") {
  room_patterns p{{"lobby", "team.*", "x*"}};
  CHECK(p.matches("lobby"));
  CHECK_FALSE(p.matches("lobby2"));
  CHECK_FALSE(p.matches("lobb"));
  CHECK(p.matches("team.red"));
  CHECK(p.matches("team."));
  CHECK_FALSE(p.matches("team"));
  CHECK(p.matches("x"));
  CHECK(p.matches("xyz"));
  CHECK_FALSE(room_patterns{}.matches("lobby"));
  CHECK(room_patterns{{"*"}}.matches("anything"));
}

TEST_CASE("room grants: publish defaults to the rooms one may join", "[rooms]") {
  room_grants none;
  CHECK_FALSE(none.may_join("a"));
  CHECK_FALSE(none.may_publish("a"));
  room_grants rooms_only{room_patterns{{"a", "b*"}}, std::nullopt};
  CHECK(rooms_only.may_join("b1"));
  CHECK(rooms_only.may_publish("b1"));
  CHECK_FALSE(rooms_only.may_publish("c"));
  room_grants narrow{room_patterns{{"a", "b"}}, room_patterns{{"b"}}};
  CHECK(narrow.may_join("a"));
  CHECK_FALSE(narrow.may_publish("a"));
  CHECK(narrow.may_publish("b"));
  room_grants empty_publish{room_patterns{{"a"}}, room_patterns{}};
  CHECK_FALSE(empty_publish.may_publish("a"));
}

TEST_CASE("room policy names", "[rooms]") {
  CHECK(parse_room_policy("open") == room_policy::open);
  CHECK(parse_room_policy("token") == room_policy::token);
  CHECK(parse_room_policy("callback") == room_policy::callback);
  CHECK_FALSE(parse_room_policy("Open"));
  CHECK_FALSE(parse_room_policy(""));
  CHECK(std::string(to_string(room_policy::callback)) == "callback");
}

TEST_CASE("the allow cache keeps allows until they expire and stays bounded", "[rooms]") {
  allow_cache c{3};
  auto k1 = allow_cache::key("ns", "u", "d", "r1");
  CHECK(k1 != allow_cache::key("ns", "u", "", "dr1"));  // fields cannot run into each other
  CHECK_FALSE(c.allowed(k1, 0));
  c.allow(k1, 1000, 0);
  CHECK(c.allowed(k1, 999));
  CHECK_FALSE(c.allowed(k1, 1000));
  c.allow(allow_cache::key("ns", "u", "d", "old"), 10, 0);
  c.allow(allow_cache::key("other", "u", "d", "r"), 5000, 0);
  CHECK(c.size() == 3);
  // Full: the expired entry goes first.
  c.allow(allow_cache::key("ns", "u", "d", "r2"), 5000, 100);
  CHECK(c.size() == 3);
  CHECK(c.allowed(k1, 100));
  CHECK_FALSE(c.allowed(allow_cache::key("ns", "u", "d", "old"), 5));
  // Full of live entries: all go rather than grow.
  c.allow(allow_cache::key("ns", "u", "d", "r3"), 5000, 100);
  CHECK(c.size() == 1);
  c.allow(allow_cache::key("other", "u", "d", "r"), 5000, 100);
  c.forget_namespace("ns");
  CHECK(c.size() == 1);
  CHECK(c.allowed(allow_cache::key("other", "u", "d", "r"), 100));
  c.allow(k1, 50, 100);  // already expired: not kept
  CHECK_FALSE(c.allowed(k1, 100));
}

TEST_CASE("callback URLs: http only with host and port and target", "[rooms]") {
  auto u = parse_http_url("http://127.0.0.1:9000/hooks/sub?app=1");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 9000);
  CHECK(u->target == "/hooks/sub?app=1");
  auto d = parse_http_url("http://localhost");
  REQUIRE(d);
  CHECK(d->port == 80);
  CHECK(d->target == "/");
  auto q = parse_http_url("http://h?x=1");
  REQUIRE(q);
  CHECK(q->target == "/?x=1");
  auto v6 = parse_http_url("http://[::1]:81/x");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 81);
  auto t = parse_http_url("https://hooks.example.com/x");
  REQUIRE(t);
  CHECK(t->tls);
  CHECK(t->port == 443);
  CHECK_FALSE(parse_http_url("http://h/")->tls);
  for (auto bad : {"https://", "ftp://h/", "http://", "http:///x", "http://u:p@h/", "http://h/x#frag",
                   "http://h:0/", "http://h:99999/", "http://h/a b", "127.0.0.1:80/x", "http://h:/"})
    CHECK_FALSE(parse_http_url(bad));
  CHECK(host_allowed("LocalHost", {"127.0.0.1", "localhost"}));
  CHECK(host_allowed("::1", {"[::1]"}));
  CHECK_FALSE(host_allowed("10.0.0.1", {"127.0.0.1", "localhost", "::1"}));
}

TEST_CASE("the subscribe callback's verdict", "[rooms]") {
  CHECK(subscribe_verdict(200, R"({"allow":true})"));
  CHECK(subscribe_verdict(200, R"({"allow":false})").err().code == errc::forbidden);
  CHECK(subscribe_verdict(200, R"({"allow":"yes"})").err().code == errc::unavailable);
  CHECK(subscribe_verdict(200, R"({"ok":true})").err().code == errc::unavailable);
  CHECK(subscribe_verdict(200, "allow").err().code == errc::unavailable);
  CHECK(subscribe_verdict(200, "[true]").err().code == errc::unavailable);
  CHECK(subscribe_verdict(403, R"({"allow":true})").err().code == errc::unavailable);
  CHECK(subscribe_verdict(500, "").err().code == errc::unavailable);
}

TEST_CASE("tokens carry the rooms and publish claims", "[rooms][token]") {
  auto t = token::mint("s", "alice", 60, {"lobby", "team.*"}, {"lobby"});
  auto c = token::verify_claims(t, std::string("s"));
  REQUIRE(c);
  REQUIRE(c->grants.rooms);
  CHECK(c->grants.may_join("team.x"));
  CHECK_FALSE(c->grants.may_publish("team.x"));
  CHECK(c->grants.may_publish("lobby"));
  auto plain = token::verify_claims(token::mint("s", "bob", 60), std::string("s"));
  REQUIRE(plain);
  CHECK_FALSE(plain->grants.rooms);
  CHECK_FALSE(plain->grants.publish);
}

TEST_CASE("namespace settings: a callback needs a subscribe_url on a hook host", "[rooms][config]") {
  std::vector<std::string> hosts{"127.0.0.1", "localhost"};
  namespace_settings s;
  s.name = "n";
  CHECK(s.check(hosts));
  s.rooms = room_policy::callback;
  CHECK_FALSE(s.check(hosts));
  s.subscribe_url = "http://10.0.0.1/sub";
  CHECK_FALSE(s.check(hosts));
  s.subscribe_url = "http://localhost:9000/sub";
  CHECK(s.check(hosts));
  auto back = namespace_settings::from_json("n", s.to_json());
  REQUIRE(back);
  CHECK(back->rooms == room_policy::callback);
  CHECK(back->subscribe_url == s.subscribe_url);
  CHECK(back->subscribe_timeout == 3);
  CHECK(back->subscribe_cache == 60);
}

TEST_CASE("config: room_policy keys and hook_hosts", "[rooms][config]") {
  auto c = build_config({{"namespace.a.secret", "s"},
                         {"namespace.a.room_policy", "callback"},
                         {"namespace.a.subscribe_url", "http://hooks.internal/sub"},
                         {"namespace.a.subscribe_timeout", "2"},
                         {"node.hook_hosts", "hooks.internal, 127.0.0.1"}});
  REQUIRE(c);
  REQUIRE(c->namespaces.size() == 1);
  CHECK(c->namespaces[0].rooms == room_policy::callback);
  CHECK(c->namespaces[0].subscribe_timeout == 2);
  CHECK(c->hook_hosts == std::vector<std::string>{"hooks.internal", "127.0.0.1"});
  CHECK_FALSE(build_config({{"namespace.a.secret", "s"}, {"namespace.a.room_policy", "closed"}}));
  CHECK_FALSE(build_config({{"namespace.a.secret", "s"}, {"namespace.a.room_policy", "callback"}}));
  CHECK_FALSE(build_config({{"namespace.a.secret", "s"},
                            {"namespace.a.room_policy", "callback"},
                            {"namespace.a.subscribe_url", "http://hooks.internal/sub"}}));  // not a hook host
  CHECK_FALSE(build_config({{"namespace.a.secret", "s"}, {"namespace.a.subscribe_timeout", "0"}}));
}
