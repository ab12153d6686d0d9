#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "actors/wire.hpp"

using namespace herald;
using json = nlohmann::json;

TEST_CASE("join frames parse with rooms, since and id") {
  auto p = wire::parse_client_frame(R"({"type":"join","rooms":["r1","r2"],"since":{"r1":"m1"},"id":7})", 100);
  REQUIRE(p.frame);
  CHECK(p.frame->type == wire::kind::join);
  CHECK(p.frame->rooms == std::vector<std::string>{"r1", "r2"});
  CHECK(p.frame->since.at("r1") == "m1");
  CHECK(p.frame->req_id == "7");
}

TEST_CASE("string request ids are kept as JSON text") {
  auto p = wire::parse_client_frame(R"({"type":"ping","id":"a\"b"})", 100);
  REQUIRE(p.frame);
  CHECK(p.frame->req_id == R"("a\"b")");
  CHECK(json::parse(wire::reply_ok(p.frame->req_id))["id"] == "a\"b");
}

TEST_CASE("publish keeps data as JSON text and needs a target") {
  auto p = wire::parse_client_frame(R"({"type":"publish","to":{"rooms":["r"],"users":["u"]},"data":{"x":[1,2]}})", 100);
  REQUIRE(p.frame);
  CHECK(json::parse(p.frame->data) == json::parse(R"({"x":[1,2]})"));
  CHECK(p.frame->users == std::vector<std::string>{"u"});

  auto none = wire::parse_client_frame(R"({"type":"publish","to":{},"data":1,"id":3})", 100);
  REQUIRE(none.failure);
  CHECK(none.failure->err.code == errc::bad_frame);
  CHECK(none.failure->req_id == "3");
  auto nodata = wire::parse_client_frame(R"({"type":"publish","to":{"rooms":["r"]}})", 100);
  REQUIRE(nodata.failure);
  auto nulldata = wire::parse_client_frame(R"({"type":"publish","to":{"rooms":["r"]},"data":null})", 100);
  CHECK(nulldata.frame);
  CHECK(nulldata.frame->ttl == -1);  // the namespace's message_ttl
}

TEST_CASE("a client publish may give a ttl: 0 is live only") {
  auto live = wire::parse_client_frame(R"({"type":"publish","to":{"users":["u"]},"data":1,"ttl":0})", 100);
  REQUIRE(live.frame);
  CHECK(live.frame->ttl == 0);
  auto kept = wire::parse_client_frame(R"({"type":"publish","to":{"users":["u"]},"data":1,"ttl":60})", 100);
  REQUIRE(kept.frame);
  CHECK(kept.frame->ttl == 60);
  for (auto bad : {R"({"type":"publish","to":{"users":["u"]},"data":1,"ttl":-1,"id":2})",
                   R"({"type":"publish","to":{"users":["u"]},"data":1,"ttl":1.5,"id":2})",
                   R"({"type":"publish","to":{"users":["u"]},"data":1,"ttl":"0","id":2})",
                   R"({"type":"publish","to":{"users":["u"]},"data":1,"ttl":999999999999,"id":2})"}) {
    INFO(bad);
    auto p = wire::parse_client_frame(bad, 100);
    REQUIRE(p.failure);
    CHECK(p.failure->err.code == errc::bad_frame);
    CHECK(p.failure->req_id == "2");
  }
}

TEST_CASE("bad frames are errors with codes, not exceptions") {
  for (auto text : {"", "not json", "[1,2]", R"({"type":5})", R"({"rooms":[]})",
                    R"({"type":"join","rooms":[]})", R"({"type":"join","rooms":[""]})",
                    R"({"type":"join","rooms":[1]})", R"({"type":"join","rooms":"r"})",
                    R"({"type":"join","rooms":["r"],"since":[]})", R"({"type":"ack","ids":[]})",
                    R"({"type":"ack","ids":[1]})", R"({"type":"ping","id":{}})",
                    R"({"type":"join","rooms":["a\u0001b"]})"}) {
    INFO(text);
    auto p = wire::parse_client_frame(text, 100);
    CHECK_FALSE(p.frame);
    REQUIRE(p.failure);
    CHECK(p.failure->err.code == errc::bad_frame);
  }
  auto unknown = wire::parse_client_frame(R"({"type":"subscribe","id":1})", 100);
  REQUIRE(unknown.failure);
  CHECK(unknown.failure->err.code == errc::unknown_type);
  CHECK(unknown.failure->req_id == "1");
}

TEST_CASE("lists longer than the limit are refused") {
  auto p = wire::parse_client_frame(R"({"type":"join","rooms":["a","b","c"]})", 2);
  REQUIRE(p.failure);
}

TEST_CASE("server frames are valid JSON with the contract's fields") {
  auto w = json::parse(wire::welcome("s1", "ü\"ser", "node1", 25));
  CHECK(w == json{{"type", "welcome"}, {"session", "s1"}, {"user", "ü\"ser"}, {"node", "node1"}, {"heartbeat", 25}});
  message m{"m1", 123, "api", "", R"({"a":1})"};
  auto f = json::parse(wire::message_frame(m));
  CHECK(f == json{{"type", "message"}, {"id", "m1"}, {"ts", 123}, {"from", "api"}, {"data", {{"a", 1}}}});
  m.room = "r1";
  CHECK(json::parse(*wire::encode(m))["room"] == "r1");
  auto e = json::parse(wire::reply_error("2", {errc::not_in_room, "no"}));
  CHECK(e == json{{"type", "reply"}, {"id", 2}, {"ok", false}, {"error", {{"code", "not_in_room"}, {"message", "no"}}}});
  auto ok = json::parse(wire::reply_ok("3", R"("message":"m9")"));
  CHECK(ok == json{{"type", "reply"}, {"id", 3}, {"ok", true}, {"message", "m9"}});
  CHECK(json::parse(wire::error_frame({errc::bad_frame, "x"}))["error"]["code"] == "bad_frame");
  CHECK(wire::failure("2", {errc::not_in_room, "no"}) == wire::reply_error("2", {errc::not_in_room, "no"}));
  CHECK(wire::failure("", {errc::bad_frame, "x"}) == wire::error_frame({errc::bad_frame, "x"}));
  CHECK(json::parse(wire::pong()) == json{{"type", "pong"}});
}

TEST_CASE("every error code has a name and an HTTP status") {
  CHECK(std::string(code_name(errc::bad_request)) == "bad_request");
  CHECK(http_status(errc::unauthorized) == 401);
  CHECK(http_status(errc::too_large) == 413);
  CHECK(http_status(errc::conflict) == 409);
  CHECK(http_status(errc::unavailable) == 503);
  CHECK(std::string(code_name(errc::internal)) == "internal");
}

TEST_CASE("quote writes what nlohmann writes, plain ASCII copied as it is") {
  auto nl = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
  std::vector<std::string> cases = {"", "0193a1b2c3d-1a2b3c-7f", "api", "a b~c", "say \"hi\"", "back\\slash",
                                    std::string("nul\0x", 5), "tab\there", "\x1f", "\x7f", "caf\xc3\xa9",
                                    "\xe2\x82\xac", "bad \xff byte", "cut \xc3"};
  for (auto& s : cases) {
    INFO(s);
    CHECK(wire::quote(s) == nl(s));
    CHECK(json::parse(wire::quote(s), nullptr, false).is_string());
  }
}

TEST_CASE("refresh frames carry their token and need one") {
  auto p = wire::parse_client_frame(R"({"type":"refresh","token":"a.b.c","id":3})", 100);
  REQUIRE(p.frame);
  CHECK(p.frame->type == wire::kind::refresh);
  CHECK(p.frame->data == "a.b.c");
  CHECK(p.frame->req_id == "3");
  for (auto bad : {R"({"type":"refresh","id":1})", R"({"type":"refresh","token":7,"id":1})",
                   R"({"type":"refresh","token":null,"id":1})"}) {
    auto q = wire::parse_client_frame(bad, 100);
    REQUIRE(q.failure);
    CHECK(q.failure->err.code == errc::bad_frame);
    CHECK(q.failure->req_id == "1");
  }
  auto big = std::string(R"({"type":"refresh","token":")") + std::string(9000, 'a') + R"(","id":1})";
  CHECK(wire::parse_client_frame(big, 100).failure);
}

TEST_CASE("granted_join is a join of the callback's rooms that skips the room policy") {
  auto f = wire::granted_join({"a", "b"});
  CHECK(f.type == wire::kind::join);
  CHECK(f.rooms == std::vector<std::string>{"a", "b"});
  CHECK(f.granted);
  CHECK(f.req_id.empty());  // no reply is asked for
}
