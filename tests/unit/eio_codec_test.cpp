#include <catch2/catch.hpp>

#include "net/eio_codec.hpp"
#include "net/sio_frames.hpp"

using namespace herald;

TEST_CASE("Engine.IO packets decode by their type digit", "[eio]") {
  for (char t = '0'; t <= '6'; ++t) {
    auto p = eio::decode(std::string(1, t) + "data");
    REQUIRE(p);
    CHECK(static_cast<char>(p->type) == t);
    CHECK(p->data == "data");
    CHECK_FALSE(p->binary);
  }
  auto probe = eio::decode("2probe");
  REQUIRE(probe);
  CHECK(probe->type == eio::type::ping);
  CHECK(probe->data == "probe");
  CHECK_FALSE(eio::decode(""));
  CHECK_FALSE(eio::decode("7"));
  CHECK_FALSE(eio::decode("x"));
  auto b = eio::decode("bAQID");
  REQUIRE(b);
  CHECK(b->binary);
  CHECK(b->type == eio::type::message);
}

TEST_CASE("Engine.IO payloads split on the record separator", "[eio]") {
  auto ps = eio::decode_payload("4hello\x1e" "2\x1e" "4world", 16);
  REQUIRE(ps);
  REQUIRE(ps->size() == 3);
  CHECK((*ps)[0].data == "hello");
  CHECK((*ps)[1].type == eio::type::ping);
  CHECK((*ps)[2].data == "world");
  auto one = eio::decode_payload("3", 16);
  REQUIRE(one);
  CHECK(one->size() == 1);
  // An empty part, a trailing separator, an unknown type: malformed.
  CHECK_FALSE(eio::decode_payload("", 16));
  CHECK_FALSE(eio::decode_payload("4a\x1e", 16));
  CHECK_FALSE(eio::decode_payload("4a\x1e\x1e" "4b", 16));
  CHECK_FALSE(eio::decode_payload("9x", 16));
  // More packets than allowed.
  CHECK_FALSE(eio::decode_payload("3\x1e" "3\x1e" "3", 2));
  std::string out;
  eio::append_part(out, "4a");
  eio::append_part(out, "4b");
  CHECK(out == "4a\x1e" "4b");
}

TEST_CASE("Engine.IO open packet and errors", "[eio]") {
  auto o = eio::open_packet("abc", true, 25000, 20000, 1000000);
  CHECK(o == R"(0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  CHECK(eio::open_packet("abc", false, 1, 2, 3).find(R"("upgrades":[])") != std::string::npos);
  CHECK(eio::failure_body(eio::failure::unknown_sid, "Session ID unknown") == R"({"code":1,"message":"Session ID unknown"})");
}

TEST_CASE("Socket.IO packets decode type namespace ack id and data", "[sio]") {
  auto c = sio::decode(R"(0/chat,{"token":"t"})");
  REQUIRE(c.p);
  CHECK(c.p->type == sio::type::connect);
  CHECK(c.p->nsp == "/chat");
  CHECK(c.p->data == R"({"token":"t"})");
  auto c0 = sio::decode("0");
  REQUIRE(c0.p);
  CHECK(c0.p->nsp == "/");
  CHECK(c0.p->data.empty());
  auto d = sio::decode("1/chat,");
  REQUIRE(d.p);
  CHECK(d.p->type == sio::type::disconnect);
  CHECK(d.p->nsp == "/chat");
  auto e = sio::decode(R"(2/chat,12["join",{"rooms":["r1"]}])");
  REQUIRE(e.p);
  CHECK(e.p->type == sio::type::event);
  REQUIRE(e.p->ack);
  CHECK(*e.p->ack == 12);
  CHECK(e.p->data == R"(["join",{"rooms":["r1"]}])");
  auto e2 = sio::decode(R"(2["hi"])");
  REQUIRE(e2.p);
  CHECK(e2.p->nsp == "/");
  CHECK_FALSE(e2.p->ack);
  auto a = sio::decode(R"(3/chat,7[{"ok":true}])");
  REQUIRE(a.p);
  CHECK(a.p->type == sio::type::ack);
  CHECK(*a.p->ack == 7);
  auto b = sio::decode(R"(51-/chat,3["up",{"_placeholder":true,"num":0}])");
  REQUIRE(b.p);
  CHECK(b.p->type == sio::type::binary_event);
  CHECK(b.p->attachments == 1);
  CHECK(b.p->nsp == "/chat");
  CHECK(*b.p->ack == 3);
  auto ce = sio::decode(R"(4/chat,{"message":"no"})");
  REQUIRE(ce.p);
  CHECK(ce.p->type == sio::type::connect_error);
}

TEST_CASE("Socket.IO malformed packets say why", "[sio]") {
  for (auto bad : {"", "9", "x", "2", "2{}", "2/chat,{\"a\":1}", "2[\"a\"", "0/chat,[1]", "5[\"a\"]", "51[\"a\"]",
                   "212345678901234567890[\"a\"]", "2[\"a\"]junk"}) {
    INFO(bad);
    auto d = sio::decode(bad);
    CHECK_FALSE(d.p);
    CHECK_FALSE(d.problem.empty());
  }
}

TEST_CASE("Socket.IO outgoing packets", "[sio]") {
  CHECK(sio::connect_ok("/chat", R"({"sid":"s1"})") == R"(40/chat,{"sid":"s1"})");
  CHECK(sio::connect_ok("/", R"({"sid":"s1"})") == R"(40{"sid":"s1"})");
  CHECK(sio::connect_error("/chat", "no", R"({"code":"x"})") == R"(44/chat,{"message":"no","data":{"code":"x"}})");
  CHECK(sio::disconnect("/chat") == "41/chat,");
  CHECK(sio::event("/chat", "message", "{}") == R"(42/chat,["message",{}])");
  CHECK(sio::event("/", "a", "") == R"(42["a"])");
  CHECK(sio::ack("/chat", 5, R"({"ok":true})") == R"(43/chat,5[{"ok":true}])");
}

TEST_CASE("event_of reads an event's name and first argument", "[sio]") {
  auto c = sio::event_of(R"(["join",{"rooms":["a"]},2])");
  REQUIRE(c);
  CHECK(c->name == "join");
  CHECK(c->arg == R"({"rooms":["a"]})");
  auto none = sio::event_of(R"(["ping"])");
  REQUIRE(none);
  CHECK(none->arg.empty());
  CHECK_FALSE(sio::event_of("[]"));
  CHECK_FALSE(sio::event_of("[1]"));
}

namespace {
wire::parsed native(std::string_view packet, bool lightpush = false) {
  auto d = sio::decode(packet);
  REQUIRE(d.p);
  auto c = sio::event_of(d.p->data);
  REQUIRE(c);
  return sio::native_frame(*d.p, *c, lightpush, 100);
}
}  // namespace

TEST_CASE("Socket.IO events mean native frames", "[sio]") {
  auto j = native(R"(2/n,4["join",{"rooms":["r1"],"since":{"r1":"m1"}}])");
  REQUIRE(j.frame);
  CHECK(j.frame->type == wire::kind::join);
  CHECK(j.frame->req_id == "4");
  CHECK(j.frame->rooms == std::vector<std::string>{"r1"});
  CHECK(j.frame->since.at("r1") == "m1");
  auto l = native(R"(2/n,["leave",{"rooms":["r1"]}])");
  REQUIRE(l.frame);
  CHECK(l.frame->type == wire::kind::leave);
  CHECK(l.frame->req_id.empty());
  auto p = native(R"(2/n,9["publish",{"to":{"rooms":["r1"]},"data":{"x":1}}])");
  REQUIRE(p.frame);
  CHECK(p.frame->type == wire::kind::publish);
  CHECK(p.frame->data == R"({"x":1})");
  auto a = native(R"(2/n,["ack",{"ids":["m1","m2"]}])");
  REQUIRE(a.frame);
  CHECK(a.frame->ids.size() == 2);
  // The client's own "type" or "id" cannot change what the event means.
  auto t = native(R"(2/n,3["leave",{"rooms":["r1"],"type":"publish","id":99}])");
  REQUIRE(t.frame);
  CHECK(t.frame->type == wire::kind::leave);
  CHECK(t.frame->req_id == "3");
}

TEST_CASE("Socket.IO events that mean nothing are refused with their ack id", "[sio]") {
  auto u = native(R"(2/n,5["dance",{}])");
  REQUIRE(u.failure);
  CHECK(u.failure->err.code == errc::unknown_type);
  CHECK(u.failure->req_id == "5");
  auto noarg = native(R"(2/n,6["join"])");
  REQUIRE(noarg.failure);
  CHECK(noarg.failure->err.code == errc::bad_frame);
  auto badrooms = native(R"(2/n,7["join",{"rooms":"r1"}])");
  REQUIRE(badrooms.failure);
  CHECK(badrooms.failure->req_id == "7");
  // light-push's names only with its vocabulary.
  CHECK(native(R"(2/n,["joinRoom",["r1"]])").failure);
}

TEST_CASE("light-push event names", "[sio]") {
  auto j = native(R"(2/demo,1["joinRoom",["room1","room2"]])", true);
  REQUIRE(j.frame);
  CHECK(j.frame->type == wire::kind::join);
  CHECK(j.frame->rooms.size() == 2);
  auto one = native(R"(2/demo,["leaveRoom","room2"])", true);
  REQUIRE(one.frame);
  CHECK(one.frame->type == wire::kind::leave);
  CHECK(one.frame->rooms == std::vector<std::string>{"room2"});
  auto ack = native(R"(2/demo,["ackPush",{"id":"m7"}])", true);
  REQUIRE(ack.frame);
  CHECK(ack.frame->type == wire::kind::ack);
  CHECK(ack.frame->ids == std::vector<std::string>{"m7"});
  CHECK(native(R"(2/demo,["ackPush",{}])", true).failure);
  CHECK(native(R"(2/demo,["joinRoom",{"rooms":[]}])", true).failure);
}

TEST_CASE("native server frames become Socket.IO packets", "[sio]") {
  std::string msg = R"({"type":"message","id":"m1","ts":1,"from":"api","data":{}})";
  CHECK(*sio::packet_for("/n", msg, false, "s1") == "42/n,[\"message\"," + msg + "]");
  CHECK(*sio::packet_for("/n", msg, true, "s1") == "42/n,[\"push\"," + msg + "]");
  std::string reply = R"({"type":"reply","id":12,"ok":true})";
  CHECK(*sio::packet_for("/n", reply, false, "s1") == "43/n,12[" + reply + "]");
  auto w = sio::packet_for("/n", R"({"type":"welcome","session":"s1","user":"u","node":"a","heartbeat":25})", false, "s1");
  CHECK(*w == R"(40/n,{"sid":"s1","type":"welcome","session":"s1","user":"u","node":"a","heartbeat":25})");
  CHECK_FALSE(sio::packet_for("/n", R"({"type":"pong"})", false, "s1"));
  std::string err = R"({"type":"error","error":{"code":"bad_frame","message":"x"}})";
  CHECK(*sio::packet_for("/n", err, false, "s1") == "42/n,[\"error\"," + err + "]");
  std::string presence = R"({"type":"presence","room":"r","event":"join","user":"u","session":"s"})";
  CHECK(*sio::packet_for("/n", presence, false, "s1") == "42/n,[\"presence\"," + presence + "]");
  CHECK(sio::frame_type("nonsense").empty());
}
