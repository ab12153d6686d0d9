#pragma once
// RFC 6455 on the server side, without sockets: the upgrade's accept key,
// server frame headers, and a reader that turns client bytes into messages
// and control events. ws_session owns the socket and uses this; keeping it
// pure lets Catch2 test framing, masking, fragmentation and every close
// code without a network.
//
// Why not Beast's websocket::stream: it costs about 2.5 KB per connection
// plus a read buffer that keeps its largest size, and writes one frame per
// write call; herald holds mostly idle connections and fans one frame out
// to many, so it reads into a per-thread buffer and writes queued frames in
// batches (one writev for many frames).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::ws {

enum opcode : uint8_t { op_continuation = 0, op_text = 1, op_binary = 2, op_close = 8, op_ping = 9, op_pong = 10 };

// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);
// A client key is the base64 of 16 bytes.
bool valid_client_key(std::string_view key);

constexpr size_t max_header = 10;
// Writes the header of an unmasked, final server frame; returns its size.
size_t frame_header(uint8_t op, uint64_t payload_size, uint8_t* out);
// A whole control frame (payload <= 125 bytes; longer is cut).
std::string control_frame(uint8_t op, std::string_view payload);
// The payload of a close frame: code then reason (cut to fit 125 bytes).
std::string close_payload(uint16_t code, std::string_view reason);

bool valid_utf8(std::string_view s);

struct event {
  enum kind_t { text, binary, ping, pong, close, error };
  kind_t kind;
  std::string data;   // message, control payload, close reason, or what was wrong
  uint16_t code = 0;  // close: the peer's code (1005 when it gave none); error: the code to close with
};

// Reassembles client frames (masked, possibly fragmented, control frames in
// between) into events. Keeps bytes only while a frame or message is
// incomplete. After an `error` event it ignores further input.
class reader {
 public:
  explicit reader(size_t max_message) : max_(max_message) {}
  void feed(const char* p, size_t n, std::vector<event>& out);
  // Bytes held for an incomplete frame or message.
  size_t held() const { return pending_.size() + message_.size(); }

 private:
  // Parses one frame from [p, p+n); returns bytes used, 0 when incomplete.
  size_t one_frame(const char* p, size_t n, std::vector<event>& out);
  void fail(uint16_t code, std::string why, std::vector<event>& out);

  size_t max_;
  std::string pending_;  // an incomplete frame
  std::string message_;  // data of a fragmented message so far
  uint8_t message_op_ = 0;
  bool in_message_ = false;
  bool failed_ = false;
};

}  // namespace herald::ws
