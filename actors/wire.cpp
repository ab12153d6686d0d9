#include "actors/wire.hpp"

#include <unordered_set>

#include <nlohmann/json.hpp>

#include "actors/names.hpp"

namespace herald::wire {

using json = nlohmann::json;

namespace {

error bad(std::string msg) { return error{errc::bad_frame, std::move(msg)}; }

}  // namespace

std::string read_id_list(const std::vector<json_scan::member>& members, const char* field, const std::string& label,
                         size_t max, std::vector<std::string>& out, bool required) {
  namespace js = json_scan;
  auto name = "\"" + label + "\"";
  auto* v = js::find(members, field);
  if (!v || v->k == js::kind::null) return required ? name + " is required" : "";
  auto list = js::array_of(v);
  if (!list) return name + " must be an array of strings";
  if (list->size() > max) return name + " has more than " + std::to_string(max) + " entries";
  // A name given twice is one target: one delivery, one inbox record, one
  // history entry per publish.
  std::unordered_set<std::string> seen;
  for (auto& e : *list) {
    if (e.k != js::kind::string) return name + " entries must be strings of 1..128 bytes without control characters";
    auto id = js::string(e.text);
    if (!valid_id(id)) return name + " entries must be strings of 1..128 bytes without control characters";
    if (seen.insert(id).second) out.push_back(std::move(id));
  }
  if (required && out.empty()) return name + " must not be empty";
  return {};
}

namespace {
namespace js = json_scan;

// A request id as the reply carries it: an integer's decimal text or a
// string's JSON text; nullopt for anything else (a float, an integer beyond
// 64 bits: what nlohmann reads as neither).
std::optional<std::string> request_id(const js::value& v) {
  if (v.k == js::kind::string) return quote(js::string(v.text));
  if (v.k != js::kind::number) return std::nullopt;
  if (auto i = js::integer(v.text)) return std::to_string(*i);
  if (auto u = js::unsigned_integer(v.text)) return std::to_string(*u);  // above int64's range
  return std::nullopt;
}
}  // namespace

namespace {
// Each frame type's fields; the problem, if any, in words.
using members = std::vector<js::member>;

std::string read_join(const members& j, size_t max_list, client_frame& f) {
  auto problem = read_id_list(j, "rooms", "rooms", max_list, f.rooms, true);
  auto* s = js::find(j, "since");
  if (!problem.empty() || !s) return problem;
  auto since = js::object_of(s);
  if (!since) return "\"since\" must be an object of room -> message id";
  std::map<std::string, js::value> last;  // of duplicate rooms, the last counts
  for (auto& m : *since) last[m.key] = m.v;
  for (auto& [room, id] : last) {
    if (id.k != js::kind::string) return "\"since\" values must be message id strings";
    f.since[room] = js::string(id.text);
  }
  return {};
}

std::string read_publish(const members& j, size_t max_list, client_frame& f) {
  auto to = js::object_of(js::find(j, "to"));
  if (!to) return "\"to\" must be an object";
  auto problem = read_id_list(*to, "rooms", "to.rooms", max_list, f.rooms, false);
  if (problem.empty()) problem = read_id_list(*to, "users", "to.users", max_list, f.users, false);
  if (problem.empty() && f.rooms.empty() && f.users.empty()) problem = "\"to\" names no rooms and no users";
  if (!problem.empty()) return problem;
  auto* d = js::find(j, "data");
  if (!d) return "\"data\" is required";
  if (auto* t = js::find(j, "ttl")) {
    // 0: live only (a typing indicator); at most ten years, as the API.
    auto v = t->k == js::kind::number ? js::integer(t->text) : std::nullopt;
    if (!v || *v < 0 || *v > int64_t{10} * 365 * 86400) return "\"ttl\" must be an integer of seconds >= 0";
    f.ttl = *v;
  }
  f.data = js::compact(d->text);
  return {};
}

std::string read_ack(const members& j, size_t max_list, client_frame& f) {
  auto ids = js::array_of(js::find(j, "ids"));
  if (!ids || ids->empty()) return "\"ids\" must be a non-empty array";
  if (ids->size() > max_list) return "\"ids\" has too many entries";
  for (auto& e : *ids) {
    auto id = e.k == js::kind::string ? js::string(e.text) : std::string();
    if (id.empty() || id.size() > 128) return "\"ids\" entries must be message id strings";
    f.ids.push_back(std::move(id));
  }
  return {};
}
}  // namespace

parsed parse_client_frame(std::string_view text, size_t max_list) {
  parsed out;
  auto j = js::object(text);
  if (!j) {
    out.failure = parse_error{bad("frame is not a JSON object (nested at most 64 levels)"), {}};
    return out;
  }
  std::string req_id;
  if (auto* id = js::find(*j, "id")) {
    auto t = request_id(*id);
    if (!t) {
      out.failure = parse_error{bad("\"id\" must be an integer or a string"), {}};
      return out;
    }
    req_id = std::move(*t);
  }
  auto fail = [&](error e) {
    out.failure = parse_error{std::move(e), req_id};
    return out;
  };
  auto* t = js::find(*j, "type");
  if (!t || t->k != js::kind::string) return fail(bad("\"type\" must be a string"));
  auto type = js::string(t->text);
  client_frame f;
  f.req_id = req_id;
  std::string problem;
  if (type == "join") {
    f.type = kind::join;
    problem = read_join(*j, max_list, f);
  } else if (type == "leave") {
    f.type = kind::leave;
    problem = read_id_list(*j, "rooms", "rooms", max_list, f.rooms, true);
  } else if (type == "publish") {
    f.type = kind::publish;
    problem = read_publish(*j, max_list, f);
  } else if (type == "ack") {
    f.type = kind::ack;
    problem = read_ack(*j, max_list, f);
  } else if (type == "ping") {
    f.type = kind::ping;
  } else if (type == "refresh") {
    f.type = kind::refresh;
    auto* tok = js::find(*j, "token");
    if (!tok || tok->k != js::kind::string || tok->text.size() > 8192 + 2) problem = "\"token\" must be a string of up to 8192 bytes";
    else f.data = js::string(tok->text);
  } else {
    return fail(error{errc::unknown_type, "unknown frame type \"" + type + "\""});
  }
  if (!problem.empty()) return fail(bad(problem));
  out.frame = std::move(f);
  return out;
}

std::string quote(std::string_view s) {
  // Ids, names and node tags are plain ASCII: copied as they are. Anything
  // else (escapes, UTF-8, invalid bytes) is nlohmann's, which replaces
  // invalid UTF-8 with U+FFFD.
  bool plain = true;
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  if (!plain) return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

std::string welcome(std::string_view session, std::string_view user, std::string_view node,
                    int heartbeat) {
  std::string s = R"({"type":"welcome","session":)";
  s += quote(session);
  s += R"(,"user":)";
  s += quote(user);
  s += R"(,"node":)";
  s += quote(node);
  s += R"(,"heartbeat":)";
  s += std::to_string(heartbeat);
  s += '}';
  return s;
}

client_frame granted_join(std::vector<std::string> rooms) {
  client_frame f;
  f.type = kind::join;
  f.rooms = std::move(rooms);
  f.granted = true;
  return f;
}

std::string pong() { return R"({"type":"pong"})"; }

std::string presence(std::string_view room, std::string_view event, std::string_view user, std::string_view session) {
  return R"({"type":"presence","room":)" + quote(room) + R"(,"event":)" + quote(event) + R"(,"user":)" + quote(user) +
         R"(,"session":)" + quote(session) + "}";
}

namespace {
std::string error_object(const error& e) {
  std::string s = R"({"code":")";
  s += code_name(e.code);
  s += R"(","message":)";
  s += quote(e.message);
  s += '}';
  return s;
}
std::string reply_head(std::string_view req_id) {
  std::string s = R"({"type":"reply")";
  if (!req_id.empty()) {
    s += R"(,"id":)";
    s += req_id;
  }
  return s;
}
}  // namespace

std::string reply_ok(std::string_view req_id, std::string_view extra_members) {
  auto s = reply_head(req_id);
  s += R"(,"ok":true)";
  if (!extra_members.empty()) {
    s += ',';
    s += extra_members;
  }
  s += '}';
  return s;
}

std::string reply_error(std::string_view req_id, const error& e) {
  auto s = reply_head(req_id);
  s += R"(,"ok":false,"error":)";
  s += error_object(e);
  s += '}';
  return s;
}

std::string error_frame(const error& e) {
  std::string s = R"({"type":"error","error":)";
  s += error_object(e);
  s += '}';
  return s;
}

std::string failure(std::string_view req_id, const error& e) {
  return req_id.empty() ? error_frame(e) : reply_error(req_id, e);
}

void append_message(std::string& s, const message& m, bool as_frame) {
  s.reserve(s.size() + 64 + m.id.size() + m.from.size() + m.room.size() + m.data.size());
  s += as_frame ? R"({"type":"message","id":)" : R"({"id":)";
  s += quote(m.id);
  s += R"(,"ts":)";
  s += std::to_string(m.ts);
  s += R"(,"from":)";
  s += quote(m.from);
  if (!m.room.empty()) {
    s += R"(,"room":)";
    s += quote(m.room);
  }
  s += R"(,"data":)";
  s += m.data;
  s += '}';
}

std::string message_frame(const message& m) {
  std::string s;
  append_message(s, m, true);
  return s;
}

frame_ptr encode(const message& m) { return std::make_shared<const std::string>(message_frame(m)); }

}  // namespace herald::wire
