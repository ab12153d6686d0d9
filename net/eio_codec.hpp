#pragma once
// Engine.IO v4 and Socket.IO v5 packets (the socketio/engine.io-protocol
// and socket.io-protocol documents). Pure functions over text: the
// Engine.IO session (net/eio_session) drives them, Catch2 and a fuzz target
// test them.
//
// An Engine.IO packet is its type's digit and its data; a polling payload
// is packets joined by 0x1e, a binary one as "b" + base64. A Socket.IO
// packet rides in an Engine.IO message ('4'):
//   <type>[<attachments>-][/<nsp>,][<ack id>][<JSON>]
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::eio {

enum class type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

struct packet {
  eio::type type = type::noop;
  std::string data;
  // A polling "b" part (data: its base64 as sent) or a WebSocket binary
  // frame. herald takes no binary attachments: they are only counted.
  bool binary = false;
};

// Engine.IO's own error answers to a polling request (HTTP 400 bodies).
enum class failure : int {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_version = 5,
};
std::string failure_body(failure f, std::string_view message);

// One packet (a WebSocket text frame, or one part of a payload); nullopt
// when it is empty or of no known type.
std::optional<packet> decode(std::string_view text);
// A polling POST body: at most `max_packets` packets, each valid; nullopt
// otherwise.
std::optional<std::vector<packet>> decode_payload(std::string_view body, size_t max_packets);
// Appends `part` (one encoded packet) to a polling payload.
void append_part(std::string& payload, std::string_view part);
inline constexpr char separator = '\x1e';

// The open packet: "0{"sid":…,"upgrades":[…],"pingInterval":…,…}".
std::string open_packet(std::string_view sid, bool can_upgrade, int64_t ping_interval_ms, int64_t ping_timeout_ms,
                        int64_t max_payload);

}  // namespace herald::eio

namespace herald::sio {

enum class type : int {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct packet {
  sio::type type = type::event;
  std::string nsp = "/";
  std::optional<uint64_t> ack;   // the ack id, when the sender wants an answer
  uint32_t attachments = 0;      // binary packets: how many binary parts follow
  std::string_view data;         // the JSON text (may be empty), a span of the input
};

struct decoded {
  std::optional<packet> p;
  std::string problem;  // why not, in words
};

// `text` is an Engine.IO message's data (after the '4').
decoded decode(std::string_view text);

// An EVENT's array: its name (a string) and the first argument's JSON text
// (empty when there is none).
struct event_call {
  std::string name;
  std::string_view arg;
};
std::optional<event_call> event_of(std::string_view data);

// Outgoing packets, each a whole Engine.IO message ("4" + the Socket.IO
// packet) ready for a WebSocket frame or a polling payload.
// "/NS," for a namespace other than "/", nothing for "/".
std::string nsp_prefix(std::string_view nsp);
std::string connect_ok(std::string_view nsp, std::string_view object_json);
std::string connect_error(std::string_view nsp, std::string_view message, std::string_view data_json);
std::string disconnect(std::string_view nsp);
std::string event(std::string_view nsp, std::string_view name, std::string_view arg_json);
std::string ack(std::string_view nsp, uint64_t id, std::string_view arg_json);

}  // namespace herald::sio
