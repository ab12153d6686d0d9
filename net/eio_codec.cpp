#include "net/eio_codec.hpp"

#include "actors/json_scan.hpp"
#include "actors/wire.hpp"

namespace herald::eio {

std::string failure_body(failure f, std::string_view message) {
  return R"({"code":)" + std::to_string(static_cast<int>(f)) + R"(,"message":)" + wire::quote(message) + "}";
}

std::optional<packet> decode(std::string_view text) {
  if (text.empty()) return std::nullopt;
  packet p;
  if (text[0] == 'b') {
    p.type = type::message;
    p.binary = true;
    p.data = std::string(text.substr(1));
    return p;
  }
  if (text[0] < '0' || text[0] > '6') return std::nullopt;
  p.type = static_cast<type>(text[0]);
  p.data = std::string(text.substr(1));
  return p;
}

std::optional<std::vector<packet>> decode_payload(std::string_view body, size_t max_packets) {
  std::vector<packet> out;
  size_t at = 0;
  while (at <= body.size()) {
    auto end = body.find(separator, at);
    if (end == std::string_view::npos) end = body.size();
    if (out.size() == max_packets) return std::nullopt;
    auto p = decode(body.substr(at, end - at));
    if (!p) return std::nullopt;
    out.push_back(std::move(*p));
    at = end + 1;
  }
  return out;
}

void append_part(std::string& payload, std::string_view part) {
  if (!payload.empty()) payload += separator;
  payload += part;
}

std::string open_packet(std::string_view sid, bool can_upgrade, int64_t ping_interval_ms, int64_t ping_timeout_ms,
                        int64_t max_payload) {
  std::string s = R"(0{"sid":)";
  s += wire::quote(sid);
  s += can_upgrade ? R"(,"upgrades":["websocket"])" : R"(,"upgrades":[])";
  s += R"(,"pingInterval":)" + std::to_string(ping_interval_ms);
  s += R"(,"pingTimeout":)" + std::to_string(ping_timeout_ms);
  s += R"(,"maxPayload":)" + std::to_string(max_payload) + "}";
  return s;
}

}  // namespace herald::eio

namespace herald::sio {

namespace {
bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads a decimal of at most `max_digits` at `at`; nullopt when none.
std::optional<uint64_t> number_at(std::string_view t, size_t& at, size_t max_digits) {
  size_t start = at;
  uint64_t v = 0;
  while (at < t.size() && digit(t[at])) {
    if (at - start == max_digits) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(t[at] - '0');
    ++at;
  }
  if (at == start) return std::nullopt;
  return v;
}
}  // namespace

decoded decode(std::string_view t) {
  decoded out;
  if (t.empty() || t[0] < '0' || t[0] > '6') {
    out.problem = "not a Socket.IO packet (its type must be 0..6)";
    return out;
  }
  packet p;
  p.type = static_cast<type>(t[0] - '0');
  size_t at = 1;
  if (p.type == type::binary_event || p.type == type::binary_ack) {
    auto n = number_at(t, at, 6);
    if (!n || at >= t.size() || t[at] != '-') {
      out.problem = "a binary packet needs its attachment count and '-'";
      return out;
    }
    p.attachments = static_cast<uint32_t>(*n);
    ++at;
  }
  if (at < t.size() && t[at] == '/') {
    auto comma = t.find(',', at);
    // "/nsp" alone ends the packet (a CONNECT or DISCONNECT with nothing).
    auto end = comma == std::string_view::npos ? t.size() : comma;
    p.nsp = std::string(t.substr(at, end - at));
    at = comma == std::string_view::npos ? t.size() : comma + 1;
  }
  if (at < t.size() && digit(t[at])) {
    // An ack id: up to 2^53, as JavaScript counts.
    auto id = number_at(t, at, 16);
    if (!id) {
      out.problem = "the ack id is too long";
      return out;
    }
    p.ack = *id;
  }
  p.data = t.substr(at);
  if (!p.data.empty() && !json_scan::valid(p.data)) {
    out.problem = "the packet's data is not JSON";
    return out;
  }
  switch (p.type) {
    case type::event:
    case type::binary_event:
    case type::ack:
    case type::binary_ack:
      if (p.data.empty() || p.data[0] != '[') {
        out.problem = "an event or ack carries a JSON array";
        return out;
      }
      break;
    case type::connect:
      if (!p.data.empty() && p.data[0] != '{') {
        out.problem = "a CONNECT's payload must be an object";
        return out;
      }
      break;
    default:
      break;
  }
  out.p = std::move(p);
  return out;
}

std::optional<event_call> event_of(std::string_view data) {
  auto items = json_scan::array(data);
  if (!items || items->empty() || (*items)[0].k != json_scan::kind::string) return std::nullopt;
  event_call c;
  c.name = json_scan::string((*items)[0].text);
  if (items->size() > 1) c.arg = (*items)[1].text;
  return c;
}

std::string nsp_prefix(std::string_view nsp) {
  if (nsp == "/" || nsp.empty()) return {};
  std::string s(nsp);
  s += ',';
  return s;
}

std::string connect_ok(std::string_view nsp, std::string_view object_json) {
  return "40" + nsp_prefix(nsp) + std::string(object_json);
}

std::string connect_error(std::string_view nsp, std::string_view message, std::string_view data_json) {
  std::string s = "44" + nsp_prefix(nsp) + R"({"message":)" + wire::quote(message);
  if (!data_json.empty()) s += R"(,"data":)" + std::string(data_json);
  s += '}';
  return s;
}

std::string disconnect(std::string_view nsp) {
  // "/NS," with nothing behind it: the reference parser takes it.
  return "41" + nsp_prefix(nsp);
}

std::string event(std::string_view nsp, std::string_view name, std::string_view arg_json) {
  std::string s = "42" + nsp_prefix(nsp) + "[" + wire::quote(name);
  if (!arg_json.empty()) {
    s += ',';
    s += arg_json;
  }
  s += ']';
  return s;
}

std::string ack(std::string_view nsp, uint64_t id, std::string_view arg_json) {
  return "43" + nsp_prefix(nsp) + std::to_string(id) + "[" + std::string(arg_json) + "]";
}

}  // namespace herald::sio
