#include <catch2/catch.hpp>

#include "net/ws_codec.hpp"

using namespace herald::ws;

namespace {
// A client frame: masked with a fixed key.
std::string client_frame(uint8_t op, std::string_view payload, bool fin = true, uint8_t rsv = 0) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | rsv | op));
  auto n = payload.size();
  if (n < 126) out.push_back(static_cast<char>(0x80 | n));
  else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((uint64_t{n} >> (8 * i)) & 0xFF));
  }
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  out.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ key[i & 3]));
  return out;
}

std::vector<event> feed_all(reader& r, const std::string& bytes, size_t chunk = 0) {
  std::vector<event> out;
  if (chunk == 0) chunk = bytes.size();
  for (size_t i = 0; i < bytes.size(); i += chunk) r.feed(bytes.data() + i, std::min(chunk, bytes.size() - i), out);
  return out;
}
}  // namespace

TEST_CASE("accept key is the RFC 6455 example's") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(!valid_client_key("short"));
  CHECK(!valid_client_key("dGhlIHNhbXBsZSBub25jZQ!="));
}

TEST_CASE("server frame headers for each length class") {
  uint8_t h[max_header];
  CHECK(frame_header(op_text, 5, h) == 2);
  CHECK(h[0] == 0x81);
  CHECK(h[1] == 5);
  CHECK(frame_header(op_text, 300, h) == 4);
  CHECK(h[1] == 126);
  CHECK(((h[2] << 8) | h[3]) == 300);
  CHECK(frame_header(op_binary, 70000, h) == 10);
  CHECK(h[1] == 127);
  CHECK(h[9] == (70000 & 0xFF));
  auto c = control_frame(op_close, close_payload(1013, "too slow"));
  CHECK(c.size() == 2 + 2 + 8);
  CHECK(static_cast<uint8_t>(c[0]) == 0x88);
}

TEST_CASE("reader: whole, split and fragmented messages, control frames between fragments") {
  reader r(1 << 20);
  auto bytes = client_frame(op_text, R"({"type":"ping"})") + client_frame(op_text, std::string(300, 'a')) +
               client_frame(op_text, "hel", false) + client_frame(op_ping, "p") +
               client_frame(op_continuation, "lo", true) + client_frame(op_binary, std::string(70000, 'b'));
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}, size_t{4096}}) {
    reader rr(1 << 20);
    auto ev = feed_all(rr, bytes, chunk);
    REQUIRE(ev.size() == 5);
    CHECK(ev[0].kind == event::text);
    CHECK(ev[0].data == R"({"type":"ping"})");
    CHECK(ev[1].data == std::string(300, 'a'));
    CHECK(ev[2].kind == event::ping);
    CHECK(ev[2].data == "p");
    CHECK(ev[3].kind == event::text);
    CHECK(ev[3].data == "hello");
    CHECK(ev[4].kind == event::binary);
    CHECK(ev[4].data.size() == 70000);
    CHECK(rr.held() == 0);
  }
}

TEST_CASE("reader: close frames and their codes") {
  reader r(1024);
  auto ev = feed_all(r, client_frame(op_close, close_payload(1000, "bye")));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event::close);
  CHECK(ev[0].code == 1000);
  CHECK(ev[0].data == "bye");
  reader empty(1024);
  ev = feed_all(empty, client_frame(op_close, ""));
  CHECK(ev[0].code == 1005);
  reader bad(1024);
  ev = feed_all(bad, client_frame(op_close, close_payload(1005, "")));
  CHECK(ev[0].kind == event::error);
  CHECK(ev[0].code == 1002);
}

TEST_CASE("reader: protocol errors get their close codes") {
  auto first_error = [](const std::string& bytes, size_t max = 1024) {
    reader r(max);
    auto ev = feed_all(r, bytes);
    for (auto& e : ev)
      if (e.kind == event::error) return e.code;
    return uint16_t{0};
  };
  std::string unmasked = client_frame(op_text, "x");
  unmasked[1] = static_cast<char>(unmasked[1] & 0x7F);
  CHECK(first_error(unmasked) == 1002);
  CHECK(first_error(client_frame(op_text, "x", true, 0x40)) == 1002);           // RSV1
  CHECK(first_error(client_frame(3, "x")) == 1002);                              // unknown opcode
  CHECK(first_error(client_frame(op_continuation, "x")) == 1002);                // nothing to continue
  CHECK(first_error(client_frame(op_text, "a", false) + client_frame(op_text, "b")) == 1002);
  CHECK(first_error(client_frame(op_ping, std::string(126, 'p'))) == 1002);     // control too long
  CHECK(first_error(client_frame(op_ping, "p", false)) == 1002);                 // fragmented control
  CHECK(first_error(client_frame(op_text, "\xC3\x28")) == 1007);                 // invalid UTF-8
  CHECK(first_error(client_frame(op_text, std::string(2000, 'a'))) == 1009);     // over the limit
  // Too big is refused from the header alone, before the payload arrives.
  reader r(1024);
  auto big = client_frame(op_text, std::string(100000, 'a'));
  auto ev = feed_all(r, big.substr(0, 20));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].code == 1009);
  CHECK(r.held() == 0);
  // Fragments add up against the limit.
  CHECK(first_error(client_frame(op_text, std::string(600, 'a'), false) +
                    client_frame(op_continuation, std::string(600, 'a'))) == 1009);
}

TEST_CASE("UTF-8 validation") {
  CHECK(valid_utf8("plain ascii text, long enough for the word loop"));
  CHECK(valid_utf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK(!valid_utf8("\xC0\xAF"));          // overlong
  CHECK(!valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK(!valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK(!valid_utf8("\xE2\x82"));          // cut short
  CHECK(!valid_utf8("\xFF"));
  // A close reason is cut on a character boundary.
  auto p = close_payload(1000, std::string(122, 'a') + "\xE2\x82\xAC");
  CHECK(valid_utf8(p.substr(2)));
  CHECK(p.size() <= 125);
}
