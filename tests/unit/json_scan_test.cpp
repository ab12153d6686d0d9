#include <catch2/catch.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"

using namespace herald;
using nlohmann::json;
namespace js = herald::json_scan;

namespace {
// The reference: what nlohmann accepts, and what it reads.
void check_against_nlohmann(const std::string& text) {
  INFO("text: " << json(text).dump(-1, ' ', true, json::error_handler_t::replace));
  bool ok = json::accept(text);
  REQUIRE(js::valid(text) == ok);
  auto members = js::object(text);
  auto elements = js::array(text);
  if (!ok) {
    CHECK_FALSE(members);
    CHECK_FALSE(elements);
    return;
  }
  auto j = json::parse(text);
  CHECK(json::parse(js::compact(text)) == j);
  CHECK(bool(members) == j.is_object());
  CHECK(bool(elements) == j.is_array());
  if (members) {
    for (auto& m : *members) {
      REQUIRE(j.contains(m.key));
      auto* last = js::find(*members, m.key);
      REQUIRE(last);
      CHECK(json::parse(last->text) == j[m.key]);
    }
    CHECK(j.size() <= members->size());
  }
  if (elements) {
    REQUIRE(elements->size() == j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      auto& v = (*elements)[i];
      CHECK(json::parse(v.text) == j[i]);
      if (v.k == js::kind::string) CHECK(js::string(v.text) == j[i].get<std::string>());
      if (j[i].is_number_unsigned()) {
        auto u = j[i].get<uint64_t>();
        if (u <= uint64_t{INT64_MAX}) CHECK(js::integer(v.text) == static_cast<int64_t>(u));
        else CHECK_FALSE(js::integer(v.text));
      } else if (j[i].is_number_integer()) {
        CHECK(js::integer(v.text) == j[i].get<int64_t>());
      } else if (j[i].is_number()) {
        CHECK_FALSE(js::integer(v.text));
      }
      CHECK((v.k == js::kind::object) == j[i].is_object());
      CHECK((v.k == js::kind::number) == j[i].is_number());
    }
  }
}

// Random documents: nested values, strings with escapes and multi-byte
// characters, numbers of every form, whitespace between tokens.
struct generator {
  std::mt19937 rng;
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
  std::string ws() {
    static const char* w[] = {"", "", "", " ", "\n", "\t ", "\r\n  "};
    return w[pick(7)];
  }
  std::string str() {
    static const char* parts[] = {"a", "Z", "0", " ", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r",
                                  "\\u0041", "\\u00e9", "\\u20AC", "\\ud83d\\ude00", "\\u0000", "é", "€", "😀",
                                  "\x7f", "users", "to", "data"};
    std::string s = "\"";
    for (int n = pick(6); n > 0; --n) s += parts[pick(24)];
    return s + "\"";
  }
  std::string num() {
    static const char* nums[] = {"0", "-0", "7", "-12", "3.25", "-0.5", "1e3", "2E-2", "6.02e+23", "123456789012",
                                 "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1.0"};
    return nums[pick(14)];
  }
  std::string value(int depth) {
    int k = depth > 3 ? pick(5) : pick(7);
    switch (k) {
      case 0: return str();
      case 1: return num();
      case 2: return pick(2) ? "true" : "false";
      case 3: return "null";
      case 4: return str();
      case 5: {
        std::string s = "[" + ws();
        for (int n = pick(4), i = 0; i < n; ++i) s += (i ? "," + ws() : "") + value(depth + 1) + ws();
        return s + "]";
      }
      default: {
        static const char* keys[] = {"\"to\"", "\"users\"", "\"data\"", "\"ttl\"", "\"a\"", "\"\\u0074o\""};
        std::string s = "{" + ws();
        for (int n = pick(4), i = 0; i < n; ++i)
          s += (i ? "," + ws() : "") + std::string(keys[pick(6)]) + ws() + ":" + ws() + value(depth + 1) + ws();
        return s + "}";
      }
    }
  }
  // One byte changed, dropped or added: mostly invalid documents, near valid ones.
  std::string mutate(std::string s) {
    static const char bytes[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '.', 'e', 'u', 'd', ' ',
                                 '\x01', '\x7f', '\x80', '\xbf', '\xc0', '\xc3', '\xe2', '\xed', '\xf0', '\xf4', '\xff'};
    if (s.empty()) return s;
    size_t at = static_cast<size_t>(pick(static_cast<int>(s.size())));
    char b = bytes[pick(static_cast<int>(sizeof bytes))];
    switch (pick(3)) {
      case 0: s[at] = b; break;
      case 1: s.erase(at, 1); break;
      default: s.insert(at, 1, b);
    }
    return s;
  }
};
}  // namespace

TEST_CASE("json_scan accepts exactly what nlohmann accepts, up to max_depth", "[json_scan]") {
  const char* cases[] = {
    "", " ", "{}", "[]", " { } ", "{\"a\":1}", "{\"a\":1,}", "{,}", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":}",
    "{'a':1}", "{\"a\":1}}", "{\"a\":1} x", "[1 2]", "01", "-", "-01", "1.", ".5", "1e", "1e+", "+1", "1E5",
    "-0.0e-0", "tru", "true", "truex", "nul", "null", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\"",
    "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud83d\\ude00\"", "\"\x01\"", "\"\t\"", "\"\x7f\"", "\"\xc3\xa9\"",
    "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf0\x9f\x98\x80\"", "\"\xff\"",
    "\"abc", "\xef\xbb\xbf{}", "\xef\xbb{}", "{\"a\":1,\"a\":2}", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
    "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]", "{\"a\":{\"b\":[1,{\"c\":null}]}}", "1e400", "\"\\/\"", "\x00",
  };
  for (auto c : cases) check_against_nlohmann(c);
  check_against_nlohmann(std::string("[1,\0]", 5));
  // Numbers at the ends of double's range: nlohmann refuses infinities.
  for (auto n : {"1.7976931348623157e308", "1.8e308", "-1e400", "1e-400", "-2.5e-400", "0e99999", "0.0e400",
                 "123456789012345678901234567890", "00.1", "1e0400", "1E+308", "9.9e307", "0.000001e313"})
    check_against_nlohmann(n);
  check_against_nlohmann("1" + std::string(400, '0'));
  check_against_nlohmann("1" + std::string(300, '0') + ".5e7");
  check_against_nlohmann("0." + std::string(400, '0') + "1");
  check_against_nlohmann("0." + std::string(400, '0') + "1e500");
  // nlohmann takes any depth; json_scan none beyond max_depth (the test below).
  CHECK(json::accept(std::string(5000, '[') + std::string(5000, ']')));
  CHECK_FALSE(js::valid(std::string(5000, '[') + std::string(5000, ']')));
}

TEST_CASE("json_scan agrees with nlohmann on generated and mutated documents", "[json_scan]") {
  generator g{std::mt19937(20261201)};
  for (int i = 0; i < 3000; ++i) {
    auto doc = g.ws() + g.value(0) + g.ws();
    check_against_nlohmann(doc);
    for (int m = 0; m < 4; ++m) check_against_nlohmann(g.mutate(doc));
  }
}

TEST_CASE("json_scan: members keep the last duplicate, strings decode, integers are bounded", "[json_scan]") {
  auto m = js::object(R"({"to":{"users":["a"]},"data" : {"x": [1, 2]} ,"to":{"rooms":["r"]}})");
  REQUIRE(m);
  REQUIRE(m->size() == 3);
  auto* to = js::find(*m, "to");
  REQUIRE(to);
  CHECK(to->k == js::kind::object);
  CHECK(to->text == R"({"rooms":["r"]})");
  CHECK(js::compact(js::find(*m, "data")->text) == R"({"x":[1,2]})");
  CHECK(js::find(*m, "nope") == nullptr);
  CHECK(js::string(R"("a\"b\\c\u00e9\ud83d\ude00")") == "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(js::compact("[ \"a b\" , \"c\\\" d\" ]") == "[\"a b\",\"c\\\" d\"]");
  CHECK(js::integer("315360000") == 315360000);
  CHECK(js::integer("-5") == -5);
  CHECK(js::integer("9223372036854775807") == INT64_MAX);
  CHECK(js::integer("-9223372036854775808") == INT64_MIN);
  CHECK_FALSE(js::integer("9223372036854775808"));
  CHECK_FALSE(js::integer("1.0"));
  CHECK_FALSE(js::integer("1e3"));
  CHECK_FALSE(js::integer("-"));
  CHECK(js::unsigned_integer("18446744073709551615") == UINT64_MAX);
  CHECK(js::unsigned_integer("0") == 0u);
  CHECK_FALSE(js::unsigned_integer("18446744073709551616"));
  CHECK_FALSE(js::unsigned_integer("-1"));
  CHECK_FALSE(js::unsigned_integer("1.5"));
  // object_of / array_of: a member of the right kind, or nothing.
  auto to_members = js::object_of(to);
  REQUIRE(to_members);
  CHECK(to_members->size() == 1);
  CHECK(js::array_of(js::find(*to_members, "rooms"))->size() == 1);
  CHECK_FALSE(js::array_of(to));
  CHECK_FALSE(js::object_of(nullptr));
}

TEST_CASE("json_scan: nesting deeper than max_depth is invalid, at any size", "[json_scan]") {
  auto nested = [](size_t levels, char open, char close) {
    return std::string(levels, open) + std::string(levels, close);
  };
  auto objects = [](size_t levels) {
    std::string s;
    for (size_t i = 0; i < levels; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(levels, '}');
    return s;
  };
  CHECK(js::valid(nested(js::max_depth, '[', ']')));
  CHECK_FALSE(js::valid(nested(js::max_depth + 1, '[', ']')));
  CHECK(js::object(objects(js::max_depth)));
  CHECK_FALSE(js::object(objects(js::max_depth + 1)));
  // A push body whose data is 100k levels deep (~200 KB): refused, no stack used.
  auto body = "{\"to\":{\"users\":[\"u\"]},\"data\":" + nested(100000, '[', ']') + "}";
  CHECK_FALSE(js::object(body));
  // An empty container is a level too.
  CHECK(js::valid(nested(js::max_depth - 1, '[', ']').insert(js::max_depth - 1, "{}")));
  CHECK_FALSE(js::valid(nested(js::max_depth, '[', ']').insert(js::max_depth, "{}")));
}
