#include "net/sio_frames.hpp"

namespace herald::sio {

namespace js = json_scan;

namespace {
wire::parsed refuse(errc code, std::string msg, std::string req_id) {
  wire::parsed out;
  out.failure = wire::parse_error{error{code, std::move(msg)}, std::move(req_id)};
  return out;
}

// The native frame text: the object's members, then "type" and "id" (of
// duplicates the last counts, so the client's own "type" cannot win).
std::string with_type(std::string_view object, std::string_view type, const std::string& req_id) {
  std::string s;
  auto close = object.rfind('}');
  auto body = object.substr(0, close);  // "{…" without its "}"
  s.reserve(object.size() + 32);
  s += body;
  bool empty = js::object(object)->empty();
  s += empty ? "" : ",";
  s += R"("type":")";
  s += type;
  s += '"';
  if (!req_id.empty()) s += R"(,"id":)" + req_id;
  s += '}';
  return s;
}
}  // namespace

wire::parsed native_frame(const packet& p, const event_call& call, bool lightpush, size_t max_list) {
  std::string req_id = p.ack ? std::to_string(*p.ack) : std::string{};
  auto& name = call.name;
  std::string type;
  std::string object;
  if (lightpush && (name == "joinRoom" || name == "leaveRoom")) {
    // light-push's clients pass the rooms themselves: ["r1"] or "r1".
    auto arg = call.arg;
    auto v = js::array(arg);
    if (!v && !(js::valid(arg) && !arg.empty() && arg[0] == '"'))
      return refuse(errc::bad_frame, name + " takes an array of rooms or one room", req_id);
    object = R"({"rooms":)" + (v ? js::compact(arg) : "[" + std::string(arg) + "]") + "}";
    type = name == "joinRoom" ? "join" : "leave";
  } else if (lightpush && name == "ackPush") {
    auto o = js::object(call.arg);
    auto* id = o ? js::find(*o, "id") : nullptr;
    if (!id) return refuse(errc::bad_frame, "ackPush takes {\"id\": a message id}", req_id);
    object = R"({"ids":[)" + std::string(id->text) + "]}";
    type = "ack";
  } else if (name == "join" || name == "leave" || name == "publish" || name == "ack" || name == "refresh") {
    if (call.arg.empty() || !js::object(call.arg))
      return refuse(errc::bad_frame, "the argument of \"" + name + "\" must be an object", req_id);
    object = std::string(call.arg);
    type = name;
  } else {
    return refuse(errc::unknown_type, "unknown event \"" + name + "\"", req_id);
  }
  return wire::parse_client_frame(with_type(object, type, req_id), max_list);
}

std::string_view frame_type(std::string_view frame) {
  constexpr std::string_view head = R"({"type":")";
  if (frame.substr(0, head.size()) != head) return {};
  auto end = frame.find('"', head.size());
  if (end == std::string_view::npos) return {};
  return frame.substr(head.size(), end - head.size());
}

std::optional<std::string> packet_for(std::string_view nsp, std::string_view frame, bool lightpush,
                                      std::string_view session) {
  auto t = frame_type(frame);
  if (t == "message") return event(nsp, lightpush ? "push" : "message", frame);
  if (t == "reply") {
    // {"type":"reply","id":N,…}: our ids are the client's ack ids.
    constexpr std::string_view id_head = R"({"type":"reply","id":)";
    if (frame.substr(0, id_head.size()) != id_head) return std::nullopt;  // nothing asked for it
    size_t at = id_head.size();
    uint64_t id = 0;
    size_t digits = 0;
    while (at < frame.size() && frame[at] >= '0' && frame[at] <= '9' && digits < 17)
      id = id * 10 + static_cast<uint64_t>(frame[at++] - '0'), ++digits;
    if (digits == 0) return std::nullopt;
    return ack(nsp, id, frame);
  }
  if (t == "welcome") {
    // The CONNECT answer: the socket's sid, then what welcome tells.
    std::string o = R"({"sid":)" + wire::quote(session) + ",";
    o += frame.substr(1);
    return connect_ok(nsp, o);
  }
  if (t == "pong" || t.empty()) return std::nullopt;
  return event(nsp, t, frame);
}

}  // namespace herald::sio
