#include "apps/bench/dialect.hpp"

#include <charconv>

namespace herald::bench {

std::optional<server> parse_server(std::string_view name) {
  if (name == "herald") return server::herald;
  if (name == "socketio") return server::socketio;
  if (name == "nchan") return server::nchan;
  if (name == "nats") return server::nats;
  if (name == "herald-sio") return server::herald_sio;
  return std::nullopt;
}

const char* name_of(server s) {
  switch (s) {
    case server::herald: return "herald";
    case server::socketio: return "socketio";
    case server::nchan: return "nchan";
    case server::nats: return "nats";
    case server::herald_sio: return "herald-sio";
  }
  return "?";
}

std::string stamp(uint64_t t_us, uint32_t seq, size_t pad) {
  std::string out = "{\"t\":" + std::to_string(t_us) + ",\"s\":" + std::to_string(seq);
  if (pad > 0) out += ",\"p\":\"" + std::string(pad, 'x') + "\"";
  out += "}";
  return out;
}

namespace {
template <class T>
std::optional<T> number_after(std::string_view frame, std::string_view key) {
  auto at = frame.rfind(key);
  if (at == std::string_view::npos) return std::nullopt;
  auto p = frame.data() + at + key.size();
  T v{};
  auto [end, ec] = std::from_chars(p, frame.data() + frame.size(), v);
  if (ec != std::errc{} || end == p) return std::nullopt;
  return v;
}
}  // namespace

std::optional<stamp_view> find_stamp(std::string_view frame) {
  auto t = number_after<uint64_t>(frame, "\"t\":");
  auto s = number_after<uint32_t>(frame, "\"s\":");
  if (!t || !s) return std::nullopt;
  return stamp_view{*t, *s};
}

std::string user_name(const naming& n, size_t i) { return "b" + n.run + "-" + std::to_string(n.offset + i); }
std::string room_name(const naming& n, size_t r) { return "r" + n.run + "-" + std::to_string(r); }

std::string ws_target(const ws_target_args& a) {
  switch (a.kind) {
    case server::herald: {
      std::string t = "/v1/ws?ns=" + a.ns + "&token=" + a.token;
      if (!a.client.empty()) t += "&client=" + a.client;
      return t;
    }
    case server::socketio:
      return "/socket.io/?EIO=4&transport=websocket&user=" + a.user + (a.room.empty() ? "" : "&room=" + a.room);
    case server::nchan:
      return "/sub/" + (a.room.empty() ? a.user : a.room);
    case server::nats:
      return "/";  // the subject is named after the upgrade (nats_subscribe)
    case server::herald_sio:
      return "/socket.io/?EIO=4&transport=websocket";  // token and device in the CONNECT
  }
  return "/";
}

http_publish publish_request(const publish_args& a) {
  switch (a.kind) {
    case server::herald:
    case server::herald_sio: {
      std::string to = a.room.empty() ? "{\"users\":[\"" + a.user + "\"]}" : "{\"rooms\":[\"" + a.room + "\"]}";
      return {"/v1/push", "{\"to\":" + to + ",\"data\":" + a.payload + ",\"ttl\":" + std::to_string(a.ttl) + "}"};
    }
    case server::socketio: {
      std::string to = a.room.empty() ? a.user : a.room;
      return {"/push", "{\"room\":\"" + to + "\",\"data\":" + a.payload + "}"};
    }
    case server::nchan:
      return {"/pub/" + (a.room.empty() ? a.user : a.room), a.payload};
    case server::nats:
      return {a.room.empty() ? a.user : a.room, a.payload};  // target: the subject (nats_pub, not HTTP)
  }
  return {};
}

std::string publish_wire(const http_publish& p, std::string_view host, std::string_view content_type,
                         std::string_view authorization) {
  std::string out;
  out.reserve(128 + p.target.size() + authorization.size() + p.body.size());
  out += "POST ";
  out += p.target;
  out += " HTTP/1.1\r\nHost: ";
  out += host;
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\n";
  if (!authorization.empty()) {
    out += "Authorization: ";
    out += authorization;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(p.body.size());
  out += "\r\n\r\n";
  out += p.body;
  return out;
}

std::string herald_join(const std::string& room) {
  return "{\"type\":\"join\",\"id\":1,\"rooms\":[\"" + room + "\"]}";
}

std::string herald_sio_connect(const std::string& ns, const std::string& token, const std::string& client) {
  std::string s = "40/" + ns + ",{\"token\":\"" + token + "\"";
  if (!client.empty()) s += ",\"client\":\"" + client + "\"";
  return s + "}";
}

std::string herald_sio_join(const std::string& ns, const std::string& room) {
  return "42/" + ns + ",1[\"join\",{\"rooms\":[\"" + room + "\"]}]";
}

std::string nats_subscribe(const std::string& subject) {
  return "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\nSUB " + subject + " 1\r\nPING\r\n";
}

std::string nats_publisher() { return "CONNECT {\"verbose\":true,\"pedantic\":false}\r\n"; }

std::string nats_pub(const std::string& subject, std::string_view payload) {
  std::string out = "PUB " + subject + " " + std::to_string(payload.size()) + "\r\n";
  out.append(payload.data(), payload.size());
  out += "\r\n";
  return out;
}

size_t nats_reader::next(std::string_view in, op& o, std::string_view& payload, bool& ok) {
  auto eol = in.find("\r\n");
  if (eol == std::string_view::npos) return 0;
  auto line = in.substr(0, eol);
  auto starts = [&](std::string_view p) {
    if (line.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i)
      if ((line[i] | 0x20) != (p[i] | 0x20)) return false;
    return true;
  };
  payload = {};
  if (starts("MSG ")) {
    // MSG <subject> <sid> [reply-to] <#bytes>: the size is the last field.
    auto sp = line.rfind(' ');
    size_t n = 0;
    auto [end, ec] = std::from_chars(line.data() + sp + 1, line.data() + line.size(), n);
    if (ec != std::errc{} || end != line.data() + line.size()) {
      ok = false;
      return 0;
    }
    if (in.size() < eol + 2 + n + 2) return 0;  // the payload is not all here
    o = op::msg;
    payload = in.substr(eol + 2, n);
    return eol + 2 + n + 2;
  }
  if (starts("PING")) o = op::ping;
  else if (starts("PONG")) o = op::pong;
  else if (starts("+OK")) o = op::ok;
  else if (starts("-ERR")) o = op::err, payload = line.substr(4);
  else if (starts("INFO")) o = op::info, payload = line.substr(4);
  else {
    ok = false;
    return 0;
  }
  return eol + 2;
}

}  // namespace herald::bench
