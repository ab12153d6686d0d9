#pragma once
// The client side of RFC 6455 as herald-bench needs it: the upgrade request,
// the response head, masked frames out and unmasked frames in. In
// saturation the one-thread bench spent 1.2 µs of user time per frame in
// Beast's websocket read (composed operations, UTF-8 validation of every
// text frame); this reads a socket's bytes straight into frames. Pure:
// tested without sockets.
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::bench::ws {

enum opcode : uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xa };

// GET `target` with the upgrade headers. The key is fixed: the bench checks
// the 101, not the accept hash, and talks only to loopback servers.
std::string upgrade_request(std::string_view host, std::string_view target);

// The length of the response head at the start of `buf` (its blank line
// included), or 0 while it is incomplete.
size_t head_length(std::string_view buf);
// True when `head` is a 101 Switching Protocols.
bool switched(std::string_view head);

// One client frame (masked, as clients must), FIN set.
std::string client_frame(opcode op, std::string_view payload);

// Server frames from a byte stream, in whatever pieces it arrives.
// Fragmented messages are joined; control frames come as they arrive.
class reader {
 public:
  // Feeds n bytes; calls on_frame(opcode, payload) for each message and
  // control frame completed. False on a protocol error (then stop reading).
  template <class F>
  bool feed(const char* data, size_t n, F&& on_frame) {
    std::string_view in(data, n);
    if (!pending_.empty()) {
      pending_.append(data, n);
      in = pending_;
    }
    size_t used = 0;
    bool ok = true;
    for (;;) {
      frame f;
      auto got = next(in.substr(used), f);
      if (got < 0) {
        ok = false;
        break;
      }
      if (got == 0) break;
      used += static_cast<size_t>(got);
      if (!deliver(f, on_frame)) {
        ok = false;
        break;
      }
    }
    std::string rest(in.substr(ok ? used : in.size()));
    pending_ = std::move(rest);
    return ok;
  }

  // Largest frame or message accepted.
  static constexpr size_t max_size = 16u << 20;

 private:
  struct frame {
    bool fin = false;
    uint8_t op = 0;
    std::string_view payload;
  };
  // The frame at the start of `in`: its length, 0 when incomplete, -1 when
  // invalid.
  static long next(std::string_view in, frame& f);
  template <class F>
  bool deliver(const frame& f, F& on_frame) {
    if (f.op >= close) {  // control: whole, between fragments too
      on_frame(static_cast<opcode>(f.op), f.payload);
      return true;
    }
    if (f.op != continuation) {
      if (fragmenting_) return false;
      if (f.fin) {
        on_frame(static_cast<opcode>(f.op), f.payload);
        return true;
      }
      fragmenting_ = true;
      message_op_ = f.op;
      message_.assign(f.payload);
      return true;
    }
    if (!fragmenting_ || message_.size() + f.payload.size() > max_size) return false;
    message_.append(f.payload);
    if (f.fin) {
      fragmenting_ = false;
      on_frame(static_cast<opcode>(message_op_), std::string_view(message_));
      message_.clear();
    }
    return true;
  }

  std::string pending_;  // an incomplete frame's bytes
  std::string message_;  // a fragmented message so far
  uint8_t message_op_ = 0;
  bool fragmenting_ = false;
};

}  // namespace herald::bench::ws
