#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <sstream>

#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "apps/bench/dialect.hpp"
#include "apps/bench/histogram.hpp"
#include "apps/bench/ws_client.hpp"
#include "net/ws_codec.hpp"

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
  // herald's Socket.IO endpoint: herald's publishes, Engine.IO's socket.
  CHECK(parse_server("herald-sio") == server::herald_sio);
  CHECK(publish_request({server::herald_sio, "r7-0", "", "{}", 0}).body == publish_request({server::herald, "r7-0", "", "{}", 0}).body);
  CHECK(ws_target({server::herald_sio, "bench", "TOK", "b1", "", "d"}) == "/socket.io/?EIO=4&transport=websocket");
  CHECK(herald_sio_connect("bench", "TOK", "") == R"(40/bench,{"token":"TOK"})");
  CHECK(herald_sio_connect("bench", "TOK", "d") == R"(40/bench,{"token":"TOK","client":"d"})");
  CHECK(herald_sio_join("bench", "r1") == R"(42/bench,1["join",{"rooms":["r1"]}])");
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

// -- herald-bench's WebSocket client framing ----------------------------------

namespace {
// A server frame as herald writes it (net/ws_codec).
std::string server_frame(uint8_t op, std::string_view payload, bool fin = true) {
  uint8_t h[herald::ws::max_header];
  auto n = herald::ws::frame_header(op, payload.size(), h);
  if (!fin) h[0] &= 0x7f;
  return std::string(reinterpret_cast<char*>(h), n) + std::string(payload);
}
struct got_frame {
  int op;
  std::string payload;
  bool operator==(const got_frame& o) const { return op == o.op && payload == o.payload; }
};
}  // namespace

TEST_CASE("the bench's frame reader reads server frames in any pieces", "[bench]") {
  std::vector<got_frame> want;
  std::string stream;
  for (size_t size : {0, 1, 125, 126, 300, 65535, 65536, 70000}) {
    std::string p(size, 'x');
    for (size_t i = 0; i < size; ++i) p[i] = static_cast<char>('a' + i % 26);
    stream += server_frame(herald::ws::op_text, p);
    want.push_back({herald::bench::ws::text, p});
  }
  // A fragmented message with a ping between its parts.
  stream += server_frame(herald::ws::op_text, "frag", false);
  stream += server_frame(herald::ws::op_ping, "hb");
  stream += server_frame(herald::ws::op_continuation, "men", false);
  stream += server_frame(herald::ws::op_continuation, "ted");
  want.push_back({herald::bench::ws::ping, "hb"});
  want.push_back({herald::bench::ws::text, "fragmented"});
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    herald::bench::ws::reader r;
    std::vector<got_frame> got;
    size_t at = 0;
    while (at < stream.size()) {
      size_t piece = std::min<size_t>(stream.size() - at, 1 + rng() % (round < 25 ? 7 : 9000));
      REQUIRE(r.feed(stream.data() + at, piece, [&](herald::bench::ws::opcode op, std::string_view p) {
        got.push_back({op, std::string(p)});
      }));
      at += piece;
    }
    REQUIRE(got == want);
  }
}

TEST_CASE("the bench's frame reader refuses what a server must not send", "[bench]") {
  auto refuses = [](std::string bytes) {
    herald::bench::ws::reader r;
    return !r.feed(bytes.data(), bytes.size(), [](herald::bench::ws::opcode, std::string_view) {});
  };
  std::string masked = server_frame(herald::ws::op_text, "hi");
  masked[1] = static_cast<char>(masked[1] | 0x80);
  CHECK(refuses(masked));
  std::string rsv = server_frame(herald::ws::op_text, "hi");
  rsv[0] = static_cast<char>(rsv[0] | 0x40);
  CHECK(refuses(rsv));
  CHECK(refuses(server_frame(herald::ws::op_continuation, "orphan")));
  CHECK(refuses(server_frame(3, "reserved opcode")));
  CHECK(refuses(server_frame(herald::ws::op_ping, std::string(126, 'p'))));
  CHECK(refuses(server_frame(herald::ws::op_text, "a", false) + server_frame(herald::ws::op_text, "b")));
  CHECK_FALSE(refuses(server_frame(herald::ws::op_close, herald::ws::close_payload(1000, "bye"))));
}

TEST_CASE("the bench's client frames are what a server reads, masked", "[bench]") {
  herald::ws::reader server(1 << 20);
  std::vector<herald::ws::event> events;
  std::string bytes;
  for (size_t size : {0, 3, 125, 126, 65535, 65536, 70000}) bytes += herald::bench::ws::client_frame(herald::bench::ws::text, std::string(size, 'q'));
  bytes += herald::bench::ws::client_frame(herald::bench::ws::pong, "hb");
  server.feed(bytes.data(), bytes.size(), events);
  REQUIRE(events.size() == 8);
  size_t k = 0;
  for (size_t size : {0, 3, 125, 126, 65535, 65536, 70000}) {
    CHECK(events[k].kind == herald::ws::event::text);
    CHECK(events[k++].data == std::string(size, 'q'));
  }
  CHECK(events[k].kind == herald::ws::event::pong);
  CHECK(events[k].data == "hb");
}

TEST_CASE("the bench's upgrade request and the 101 it waits for", "[bench]") {
  auto r = herald::bench::ws::upgrade_request("127.0.0.1:8080", "/ws?ns=bench");
  CHECK(r.rfind("GET /ws?ns=bench HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 0) == 0);
  CHECK(r.find("\r\nUpgrade: websocket\r\n") != std::string::npos);
  CHECK(r.find("\r\nSec-WebSocket-Version: 13\r\n") != std::string::npos);
  CHECK(herald::ws::valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(r.size() >= 4);
  CHECK(r.compare(r.size() - 4, 4, "\r\n\r\n") == 0);
  std::string resp = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi";
  auto n = herald::bench::ws::head_length(resp);
  REQUIRE(n == resp.size() - 4);
  CHECK(herald::bench::ws::switched(resp.substr(0, n)));
  CHECK(herald::bench::ws::head_length("HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\n") == 0);
  CHECK_FALSE(herald::bench::ws::switched("HTTP/1.1 403 Forbidden\r\n\r\n"));
}

TEST_CASE("the NATS reader finds every operation in a stream cut anywhere", "[bench]") {
  using herald::bench::nats_reader;
  auto pub = nats_pub("b1-7", R"({"t":123,"s":4})");
  CHECK(pub == "PUB b1-7 15\r\n{\"t\":123,\"s\":4}\r\n");
  std::string stream = "INFO {\"server_id\":\"x\"}\r\nPONG\r\n" "MSG b1-7 1 15\r\n{\"t\":123,\"s\":4}\r\n"
                       "PING\r\nMSG b1-7 1 reply.to 2\r\n{}\r\n+OK\r\n-ERR 'Slow Consumer'\r\n";
  // Every cut of the stream into two pieces gives the same operations.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    nats_reader r;
    std::vector<std::pair<nats_reader::op, std::string>> got;
    auto take = [&](nats_reader::op o, std::string_view p) { got.emplace_back(o, std::string(p)); };
    REQUIRE(r.feed(std::string_view(stream).substr(0, cut), take));
    REQUIRE(r.feed(std::string_view(stream).substr(cut), take));
    REQUIRE(got.size() == 7);
    CHECK(got[0].first == nats_reader::op::info);
    CHECK(got[1].first == nats_reader::op::pong);
    CHECK(got[2] == std::make_pair(nats_reader::op::msg, std::string(R"({"t":123,"s":4})")));
    CHECK(got[3].first == nats_reader::op::ping);
    CHECK(got[4] == std::make_pair(nats_reader::op::msg, std::string("{}")));
    CHECK(got[5].first == nats_reader::op::ok);
    CHECK(got[6].first == nats_reader::op::err);
    CHECK(find_stamp(got[2].second)->seq == 4);
  }
  nats_reader bad;
  CHECK_FALSE(bad.feed("HELLO\r\n", [](nats_reader::op, std::string_view) {}));
  CHECK_FALSE(nats_reader{}.feed("MSG a 1 x\r\n", [](nats_reader::op, std::string_view) {}));
}
