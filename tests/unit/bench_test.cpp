#include <catch2/catch.hpp>

#include <sstream>

#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "apps/bench/dialect.hpp"
#include "apps/bench/histogram.hpp"

using namespace herald::bench;

TEST_CASE("histogram percentiles are within 3 % of the true value") {
  histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.record(v);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    auto want = q * 100000;
    auto got = static_cast<double>(h.percentile(q));
    CHECK(got >= want * 0.99);
    CHECK(got <= want * 1.035);
  }
  CHECK(h.max() == 100000);
  CHECK(h.percentile(1.0) == 100000);
  histogram other;
  other.record(5000000);
  h.merge(other);
  CHECK(h.count() == 100001);
  CHECK(h.max() == 5000000);
  for (uint64_t v : {0ull, 1ull, 31ull, 32ull, 33ull, 1000ull, 123456789ull})
    CHECK(histogram::upper(histogram::index(v)) >= v);
}

TEST_CASE("the stamp is found in every server's frame") {
  auto s = stamp(1700000000123456, 42, 3);
  CHECK(s == R"({"t":1700000000123456,"s":42,"p":"xxx"})");
  for (std::string frame : {
         R"({"type":"message","id":"x","ts":5,"from":"api","data":)" + s + "}",  // herald
         R"(42["m",)" + s + "]",                                                    // Socket.IO
         s}) {                                                                      // nchan
    auto v = find_stamp(frame);
    REQUIRE(v);
    CHECK(v->t_us == 1700000000123456);
    CHECK(v->seq == 42);
  }
  CHECK(!find_stamp(R"({"type":"pong"})"));
  CHECK(!find_stamp(R"({"t":,"s":1})"));
}

TEST_CASE("publish requests and upgrade targets per server") {
  naming n{"7", 100};
  CHECK(user_name(n, 5) == "b7-105");
  CHECK(room_name(n, 2) == "r7-2");
  auto h = publish_request({server::herald, "r7-0", "", R"({"t":1,"s":2})", 0});
  CHECK(h.target == "/v1/push");
  CHECK(h.body == R"({"to":{"rooms":["r7-0"]},"data":{"t":1,"s":2},"ttl":0})");
  auto u = publish_request({server::herald, "", "b7-1", "{}", 60});
  CHECK(u.body == R"({"to":{"users":["b7-1"]},"data":{},"ttl":60})");
  CHECK(publish_request({server::socketio, "r", "", "{}", 0}).body == R"({"room":"r","data":{}})");
  CHECK(publish_request({server::nchan, "", "b1", "{}", 0}).target == "/pub/b1");
  CHECK(ws_target({server::nchan, "", "", "b1", "r1", ""}) == "/sub/r1");
  CHECK(ws_target({server::socketio, "", "", "b1", "r1", ""}) == "/socket.io/?EIO=4&transport=websocket&user=b1&room=r1");
  CHECK(ws_target({server::herald, "bench", "TOK", "b1", "", "d"}) == "/v1/ws?ns=bench&token=TOK&client=d");
  CHECK(parse_server("nchan") == server::nchan);
  CHECK(!parse_server("redis"));
}

TEST_CASE("publish_wire writes what Beast's serializer wrote for the same publish") {
  namespace http = boost::beast::http;
  for (auto kind : {server::herald, server::socketio, server::nchan}) {
    auto p = publish_request({kind, "", "b7-1", R"({"t":1,"s":2})", 60});
    std::string type = kind == server::nchan ? "text/plain" : "application/json";
    std::string auth = kind == server::herald ? "Basic YmVuY2g6YmVuY2gtc2VjcmV0" : "";
    http::request<http::string_body> req;
    req.method(http::verb::post);
    req.target(p.target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, type);
    if (!auth.empty()) req.set(http::field::authorization, auth);
    req.body() = p.body;
    req.prepare_payload();
    std::ostringstream os;
    os << req;
    CHECK(publish_wire(p, "127.0.0.1", type, auth) == os.str());
  }
}
