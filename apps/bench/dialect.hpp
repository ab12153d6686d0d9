#pragma once
// What differs between the servers herald-bench drives: the WebSocket path a
// connection opens, what it must say before it is subscribed, how a publish
// looks over HTTP, and where the bench's stamp sits in a delivered frame.
// Pure: tested without sockets.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::bench {

// herald_sio: herald's own Socket.IO endpoint (docs/socketio.md), its
// WebSocket transport, publishing through herald's HTTP API.
enum class server { herald, socketio, nchan, nats, herald_sio };
inline bool is_herald(server s) { return s == server::herald || s == server::herald_sio; }
std::optional<server> parse_server(std::string_view name);
const char* name_of(server s);

// The stamp every published payload carries: send time (µs since epoch)
// and the publish sequence number. `pad` bytes of filler make it bigger.
std::string stamp(uint64_t t_us, uint32_t seq, size_t pad = 0);
// Finds the stamp in a delivered frame (the last "t": and "s": in it).
struct stamp_view {
  uint64_t t_us = 0;
  uint32_t seq = 0;
};
std::optional<stamp_view> find_stamp(std::string_view frame);

struct naming {
  std::string run;   // makes channel/user names unique per run (nchan keeps old messages)
  size_t offset = 0; // first connection number (several bench processes)
};
// The user (herald), socket room (Socket.IO) or channel (nchan) of
// connection i for point-to-point, and room r's name.
std::string user_name(const naming& n, size_t i);
std::string room_name(const naming& n, size_t r);

// The request target of the WebSocket upgrade for connection i.
struct ws_target_args {
  server kind;
  std::string ns;     // herald namespace
  std::string token;  // herald JWT for user_name(i)
  std::string user;
  std::string room;   // empty: no room (herald joins by frame after welcome)
  std::string client; // herald device id (durable pushes)
};
std::string ws_target(const ws_target_args& a);

// One HTTP publish: target path and JSON body (`payload` is the stamp).
struct publish_args {
  server kind;
  std::string room;   // exactly one of room / user
  std::string user;
  std::string payload;
  int64_t ttl = 0;    // herald only
};
struct http_publish {
  std::string target;
  std::string body;
};
http_publish publish_request(const publish_args& a);
// The whole HTTP/1.1 request for `p`, as Beast's serializer wrote it
// (rendered directly: the bench must cost less per push than the server).
// `authorization` empty: no such header.
std::string publish_wire(const http_publish& p, std::string_view host, std::string_view content_type,
                         std::string_view authorization);

// herald: the join frame for a room.
std::string herald_join(const std::string& room);
// herald's Socket.IO endpoint: the CONNECT to namespace `ns` with the
// token in its auth payload (as socket.io-client's `auth` sends it) and the
// join event with ack id 1.
std::string herald_sio_connect(const std::string& ns, const std::string& token, const std::string& client);
std::string herald_sio_join(const std::string& ns, const std::string& room);

// NATS (2.9): subscribers on its WebSocket listener, publishers on its
// client port, both speaking its text protocol. A subscriber sends
// `nats_subscribe` once the server's INFO came and is subscribed when the
// PONG to its PING comes back; a publisher starts with `nats_publisher`
// (verbose: every PUB is answered +OK, the round trip herald-bench times).
std::string nats_subscribe(const std::string& subject);
std::string nats_publisher();
std::string nats_pub(const std::string& subject, std::string_view payload);

// The protocol operations in a byte stream that arrives in any pieces (a
// WebSocket frame may hold several, or part of one).
class nats_reader {
 public:
  enum class op { info, ping, pong, ok, err, msg };
  // Calls f(op, payload) for each complete operation; payload: a MSG's
  // payload, or the rest of the line (INFO, -ERR). False on a malformed
  // operation.
  template <class F>
  bool feed(std::string_view bytes, F f) {
    buf_.append(bytes.data(), bytes.size());
    size_t at = 0;
    bool ok = true;
    while (ok) {
      std::string_view payload;
      op o{};
      auto used = next(std::string_view(buf_).substr(at), o, payload, ok);
      if (used == 0) break;
      f(o, payload);
      at += used;
    }
    buf_.erase(0, at);
    return ok;
  }

 private:
  // Bytes of the first complete operation in `in` (0: incomplete).
  static size_t next(std::string_view in, op& o, std::string_view& payload, bool& ok);
  std::string buf_;
};

}  // namespace herald::bench
