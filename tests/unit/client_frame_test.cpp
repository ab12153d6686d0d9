// The client frame parser reads with json_scan since 2026-12-01. Its oracle
// here is the parser it replaced, on nlohmann (as it was in actors/wire.cpp):
// over hand-written, generated and mutated frames both must give the same
// frame or the same error, code, message and request id.
#include <catch2/catch.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "actors/names.hpp"
#include "actors/wire.hpp"

using namespace herald;
using namespace herald::wire;
using nlohmann::json;

namespace {

error bad(std::string msg) { return error{errc::bad_frame, std::move(msg)}; }

std::string old_read_id_list(const json& j, const char* field, const std::string& label, size_t max,
                             std::vector<std::string>& out, bool required) {
  auto name = "\"" + label + "\"";
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return required ? name + " is required" : "";
  if (!it->is_array()) return name + " must be an array of strings";
  if (it->size() > max) return name + " has more than " + std::to_string(max) + " entries";
  for (auto& v : *it) {
    if (!v.is_string() || !valid_id(v.get_ref<const std::string&>()))
      return name + " entries must be strings of 1..128 bytes without control characters";
    out.push_back(v.get<std::string>());
  }
  if (required && out.empty()) return name + " must not be empty";
  return {};
}

parsed old_parse(std::string_view text, size_t max_list) {
  parsed out;
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.failure = parse_error{bad("frame is not a JSON object (nested at most 64 levels)"), {}};
    return out;
  }
  std::string req_id;
  if (auto it = j.find("id"); it != j.end()) {
    if (!(it->is_number_integer() || it->is_string())) {
      out.failure = parse_error{bad("\"id\" must be an integer or a string"), {}};
      return out;
    }
    req_id = it->dump();
  }
  auto fail = [&](error e) {
    out.failure = parse_error{std::move(e), req_id};
    return out;
  };
  auto t = j.find("type");
  if (t == j.end() || !t->is_string()) return fail(bad("\"type\" must be a string"));
  const auto& type = t->get_ref<const std::string&>();
  client_frame f;
  f.req_id = req_id;
  std::string problem;
  if (type == "join") {
    f.type = kind::join;
    problem = old_read_id_list(j, "rooms", "rooms", max_list, f.rooms, true);
    if (problem.empty()) {
      if (auto s = j.find("since"); s != j.end()) {
        if (!s->is_object()) problem = "\"since\" must be an object of room -> message id";
        else
          for (auto& [room, id] : s->items()) {
            if (!id.is_string()) { problem = "\"since\" values must be message id strings"; break; }
            f.since[room] = id.get<std::string>();
          }
      }
    }
  } else if (type == "leave") {
    f.type = kind::leave;
    problem = old_read_id_list(j, "rooms", "rooms", max_list, f.rooms, true);
  } else if (type == "publish") {
    f.type = kind::publish;
    auto to = j.find("to");
    if (to == j.end() || !to->is_object()) problem = "\"to\" must be an object";
    else {
      problem = old_read_id_list(*to, "rooms", "to.rooms", max_list, f.rooms, false);
      if (problem.empty()) problem = old_read_id_list(*to, "users", "to.users", max_list, f.users, false);
      if (problem.empty() && f.rooms.empty() && f.users.empty()) problem = "\"to\" names no rooms and no users";
    }
    if (problem.empty()) {
      auto d = j.find("data");
      if (d == j.end()) problem = "\"data\" is required";
      else f.data = d->dump();
    }
  } else if (type == "ack") {
    f.type = kind::ack;
    auto it = j.find("ids");
    if (it == j.end() || !it->is_array() || it->empty()) problem = "\"ids\" must be a non-empty array";
    else if (it->size() > max_list) problem = "\"ids\" has too many entries";
    else
      for (auto& v : *it) {
        if (!v.is_string() || v.get_ref<const std::string&>().empty() || v.get_ref<const std::string&>().size() > 128) {
          problem = "\"ids\" entries must be message id strings";
          break;
        }
        f.ids.push_back(v.get<std::string>());
      }
  } else if (type == "ping") {
    f.type = kind::ping;
  } else {
    return fail(error{errc::unknown_type, "unknown frame type \"" + type + "\""});
  }
  if (!problem.empty()) return fail(bad(problem));
  out.frame = std::move(f);
  return out;
}

void same(const std::string& text, size_t max_list = 3) {
  INFO("frame: " << json(text).dump(-1, ' ', true, json::error_handler_t::replace));
  auto a = old_parse(text, max_list);
  auto b = parse_client_frame(text, max_list);
  REQUIRE(bool(a.frame) == bool(b.frame));
  REQUIRE(bool(a.failure) == bool(b.failure));
  if (a.failure) {
    CHECK(a.failure->err.code == b.failure->err.code);
    CHECK(a.failure->err.message == b.failure->err.message);
    CHECK(a.failure->req_id == b.failure->req_id);
    return;
  }
  auto &x = *a.frame, &y = *b.frame;
  CHECK(x.type == y.type);
  CHECK(x.req_id == y.req_id);
  CHECK(x.rooms == y.rooms);
  CHECK(x.users == y.users);
  CHECK(x.ids == y.ids);
  CHECK(x.since == y.since);
  // data: the same JSON value (the new parser keeps the text, compacted;
  // the old one re-wrote it).
  CHECK(x.data.empty() == y.data.empty());
  if (!x.data.empty()) CHECK(json::parse(x.data) == json::parse(y.data));
}

struct frames {
  std::mt19937 rng;
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
  std::string value(int depth) {
    static const char* atoms[] = {"\"join\"", "\"leave\"", "\"publish\"", "\"ack\"", "\"ping\"", "\"zap\"", "\"\"",
                                  "\"r1\"", "\"a\\u0001b\"", "\"\\u00e9t\\u00e9\"", "\"m-1\"", "1", "-1", "0", "-0",
                                  "1.5", "1e3", "18446744073709551615", "18446744073709551616",
                                  "-9223372036854775808", "-9223372036854775809", "null", "true", "false"};
    int k = depth > 2 ? 0 : pick(4);
    if (k < 2) return atoms[pick(24)];
    if (k == 2) {
      std::string s = "[";
      for (int n = pick(5), i = 0; i < n; ++i) s += (i ? "," : "") + value(depth + 1);
      return s + "]";
    }
    return object(depth + 1);
  }
  std::string object(int depth) {
    static const char* keys[] = {"type", "id", "rooms", "users", "to", "data", "ids", "since", "r1", "x"};
    std::string s = "{";
    for (int n = pick(5), i = 0; i < n; ++i)
      s += std::string(i ? "," : "") + "\"" + keys[pick(10)] + "\":" + value(depth);
    return s + "}";
  }
  // A frame of a known type with plausible fields, then maybe one byte off.
  std::string frame() {
    static const char* types[] = {"join", "leave", "publish", "ack", "ping"};
    std::string s = "{\"type\":\"" + std::string(types[pick(5)]) + "\"";
    static const char* keys[] = {"id", "rooms", "to", "data", "ids", "since"};
    for (int n = pick(4), i = 0; i < n; ++i) s += ",\"" + std::string(keys[pick(6)]) + "\":" + value(0);
    return s + "}";
  }
};

}  // namespace

TEST_CASE("client frames read as the nlohmann parser read them", "[wire]") {
  const char* cases[] = {
    R"({"type":"join","rooms":["r1","r2"],"since":{"r1":"m1"},"id":7})",
    R"({"type":"join","rooms":["r1"],"since":{"r1":"m1","r1":2}})",
    R"({"type":"join","rooms":["r1"],"since":{"r1":2,"r1":"m2"}})",
    R"({"type":"join","rooms":["r1"],"since":null})",
    R"({"type":"ping","id":"a\"b"})", R"({"type":"ping","id":"\u00e9"})", R"({"type":"ping","id":-0})",
    R"({"type":"ping","id":18446744073709551615})", R"({"type":"ping","id":18446744073709551616})",
    R"({"type":"ping","id":1.0})", R"({"type":"ping","id":null})",
    R"({"type":"publish","to":{"rooms":["r"],"users":["u"]},"data":{"x":[1, 2.50, "a b"]}})",
    R"({"type":"publish","to":{},"data":1,"id":3})", R"({"type":"publish","to":{"rooms":["r"]}})",
    R"({"type":"publish","to":{"rooms":["r"]},"data":null})", R"({"type":"publish","to":null,"data":1})",
    R"({"type":"ack","ids":["m1","m1"]})", R"({"type":"ack","ids":[""]})", R"({"type":"ack","ids":["a","b","c","d"]})",
    R"({"type":"ack","ids":"m1"})", R"({"type":"zap","id":"z"})", R"({"type":"\u0070ing"})", R"({"type":5})",
    R"({"type":"join","rooms":["a","b","c","d"]})", R"({"type":"leave","rooms":null})", "", "[]", "{", "not json",
    "{\"type\":\"ping\",\"id\":\"\xff\"}",
  };
  for (auto c : cases) same(c);
  same(R"({"type":"ack","ids":[")" + std::string(129, 'x') + R"("]})");
}

TEST_CASE("client frames: generated and mutated frames read the same both ways", "[wire]") {
  frames g{std::mt19937(1201)};
  static const char noise[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '1', '-', 'e', ' ', '\x01', '\xc3', '\xff'};
  for (int i = 0; i < 3000; ++i) {
    auto f = g.pick(3) ? g.frame() : g.object(0);
    same(f);
    auto m = f;
    size_t at = static_cast<size_t>(g.pick(static_cast<int>(m.size())));
    m[at] = noise[g.pick(static_cast<int>(sizeof noise))];
    same(m);
  }
}
