#include <catch2/catch.hpp>

#include "actors/namespace_catalog.hpp"
#include "actors/webhook_queue.hpp"
#include "net/auth_client.hpp"
#include "net/cors.hpp"

using namespace herald;

namespace {
webhook_queue::event ev(uint64_t seq, int64_t at, size_t size = 10) {
  return {seq, at, R"({"id":")" + std::to_string(seq) + "\"," + std::string(size, ' ') + "}"};
}
}  // namespace

TEST_CASE("webhook_queue: batches in order, one in flight, delivered ones leave", "[webhooks]") {
  webhook_queue q({1 << 20, 3600000, 2});
  for (uint64_t s = 1; s <= 3; ++s) CHECK(q.push(ev(s, 100)).empty());
  auto body = q.take_batch();
  CHECK(body.rfind(R"({"events":[{"id":"1")", 0) == 0);
  CHECK(body.find(R"("id":"3")") == std::string::npos);  // batch of 2
  CHECK(q.in_flight());
  CHECK(q.take_batch().empty());  // one batch at a time
  CHECK(q.in_flight_seqs() == std::vector<uint64_t>{1, 2});
  CHECK(q.delivered() == std::vector<uint64_t>{1, 2});
  CHECK(q.size() == 1);
  CHECK(q.take_batch().find(R"("id":"3")") != std::string::npos);
  CHECK(q.delivered() == std::vector<uint64_t>{3});
  CHECK(q.size() == 0);
  CHECK(q.bytes() == 0);
  CHECK(q.oldest_ms() == 0);
}

TEST_CASE("webhook_queue: a failed batch is posted again after a growing, jittered delay", "[webhooks]") {
  webhook_queue q({1 << 20, 3600000, 10});
  q.push(ev(1, 100));
  q.take_batch();
  auto d1 = q.failed(0.0), d2 = (q.take_batch(), q.failed(0.0)), d3 = (q.take_batch(), q.failed(0.999));
  CHECK(d1 == 250);
  CHECK(d2 == 500);
  CHECK(d3 > 1000);
  CHECK(d3 < 2000);
  CHECK(q.attempts() == 3);
  CHECK_FALSE(q.in_flight());
  // It is the same event again, with what came meanwhile.
  q.push(ev(2, 200));
  auto body = q.take_batch();
  CHECK(body.find(R"("id":"1")") != std::string::npos);
  CHECK(body.find(R"("id":"2")") != std::string::npos);
  q.delivered();
  CHECK(q.attempts() == 0);
  for (int i = 0; i < 30; ++i) q.failed(1.0);
  CHECK(q.failed(0.999) <= 300000);  // capped at 5 min
}

TEST_CASE("webhook_queue: over its bytes it drops the oldest not in flight", "[webhooks]") {
  webhook_queue q({100, 3600000, 1});
  CHECK(q.push(ev(1, 1, 30)).empty());  // ~40 bytes each
  q.take_batch();                       // 1 in flight
  CHECK(q.push(ev(2, 2, 30)).empty());
  auto dropped = q.push(ev(3, 3, 30));
  CHECK(dropped == std::vector<uint64_t>{2});  // not 1: the receiver may have it
  CHECK(q.bytes() <= 100);
  CHECK(q.delivered() == std::vector<uint64_t>{1});
  CHECK(q.take_batch().find(R"("id":"3")") != std::string::npos);
}

TEST_CASE("webhook_queue: events older than the retry time go, not the batch in flight", "[webhooks]") {
  webhook_queue q({1 << 20, 1000, 1});
  q.push(ev(1, 0));
  q.push(ev(2, 0));
  q.push(ev(3, 5000));
  q.take_batch();  // 1
  CHECK(q.expire(3000) == std::vector<uint64_t>{2});
  q.failed(0.5);
  CHECK(q.expire(3000) == std::vector<uint64_t>{1});  // its attempt failed: now it may go
  CHECK(q.size() == 1);
  CHECK(q.expire(6001) == std::vector<uint64_t>{3});
}

TEST_CASE("webhook event kinds: parsed from a list, shown as one", "[webhooks]") {
  CHECK(parse_hook_kinds("connect, join") == (1u << 0 | 1u << 4));
  CHECK(parse_hook_kinds("all") == all_hook_kinds);
  CHECK(parse_hook_kinds("") == 0u);
  CHECK_FALSE(parse_hook_kinds("connect,explode"));
  CHECK(hook_kinds_text(all_hook_kinds) == "connect,disconnect,online,offline,join,leave,undelivered");
  namespace_settings s;
  s.webhook_events = *parse_hook_kinds("online");
  CHECK_FALSE(s.wants(hook_kind::online));  // no URL: nothing is wanted
  s.webhook_url = "http://127.0.0.1:9/h";
  CHECK(s.wants(hook_kind::online));
  CHECK_FALSE(s.wants(hook_kind::offline));
  s.secret = "ns";
  CHECK(s.hook_key() == "ns");
  s.webhook_secret = "wh";
  CHECK(s.hook_key() == "wh");
  CHECK(static_cast<bool>(s.check({"127.0.0.1"})));
  s.webhook_url = "https://127.0.0.1/h";
  CHECK(static_cast<bool>(s.check({"127.0.0.1"})));
  s.webhook_url = "ftp://127.0.0.1/h";
  CHECK_FALSE(static_cast<bool>(s.check({"127.0.0.1"})));
  s.webhook_url = "http://10.0.0.1/h";
  CHECK_FALSE(static_cast<bool>(s.check({"127.0.0.1"})));
}

TEST_CASE("cors_policy: listed origins (any case) or *, none by default", "[cors]") {
  cors_policy none;
  CHECK_FALSE(none.allows("http://a.example"));
  CHECK(none.answer_headers("http://a.example").empty());
  cors_policy some({"http://a.example", "https://b.example:8443"});
  CHECK(some.allows("HTTP://A.example"));
  CHECK_FALSE(some.allows("http://a.example:81"));
  CHECK_FALSE(some.allows(""));
  auto h = some.answer_headers("https://b.example:8443");
  CHECK(h.find("Access-Control-Allow-Origin: https://b.example:8443\r\n") != std::string::npos);
  CHECK(h.find("Vary: Origin\r\n") != std::string::npos);
  auto p = some.preflight_headers("http://a.example");
  CHECK(p.find("Access-Control-Allow-Methods: GET, POST, PATCH, DELETE\r\n") != std::string::npos);
  CHECK(p.find("Access-Control-Allow-Headers: Authorization, Content-Type\r\n") != std::string::npos);
  CHECK(some.preflight_headers("http://c.example").empty());
  cors_policy any({"*"});
  CHECK(any.allows("http://whoever.example"));
}

TEST_CASE("connect callback answers: allow with a user, deny with its status and code, the rest fails", "[auth]") {
  auto a = read_connect_answer(200, R"({"allow":true,"user":"u1","rooms":["r1","r2"],"meta":{"os":"ios"}})", 10);
  CHECK(a.result == connect_verdict::allow);
  CHECK(a.user == "u1");
  CHECK(a.rooms == std::vector<std::string>{"r1", "r2"});
  CHECK(a.meta == R"({"os":"ios"})");
  auto d = read_connect_answer(200, R"({"allow":false,"status":451,"code":"banned","message":"no"})", 10);
  CHECK(d.result == connect_verdict::deny);
  CHECK(d.status == 451);
  CHECK(d.code == "banned");
  CHECK(d.message == "no");
  // A status outside 4xx and a code that is not a code are replaced.
  auto d2 = read_connect_answer(200, R"({"allow":false,"status":200,"code":"Bad Code!"})", 10);
  CHECK(d2.status == 403);
  CHECK(d2.code == "forbidden");
  CHECK(read_connect_answer(403, "", 10).result == connect_verdict::deny);
  CHECK(read_connect_answer(401, "", 10).code == "unauthorized");
  for (auto [status, body] : std::vector<std::pair<unsigned, std::string>>{
         {500, "{}"},
         {200, "not json"},
         {200, R"({"allow":"yes"})"},
         {200, R"({"allow":true})"},
         {200, R"({"allow":true,"user":""})"},
         {200, R"({"allow":true,"user":"u","rooms":"r"})"},
         {200, R"({"allow":true,"user":"u","rooms":["a","b","c"]})"},
         {200, R"({"allow":true,"user":"u","meta":[1]})"},
         {200, "{\"allow\":true,\"user\":\"u\",\"meta\":{\"x\":\"" + std::string(2000, 'm') + "\"}}"}}) {
    CAPTURE(status, body);
    CHECK(read_connect_answer(status, body, 2).result == connect_verdict::failed);
  }
}
