#pragma once
// One WebSocket connection: owns its socket and one bounded write queue,
// nothing else. Implements `connection` for its session actor. Internal to
// net/ (includes Beast).
#include <chrono>
#include <vector>
#include <mutex>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <caf/actor.hpp>

#include "actors/connection.hpp"
#include "actors/protocol.hpp"
#include "net/server.hpp"

namespace herald {

class ws_session : public connection, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(boost::asio::ip::tcp::socket&& socket, server_state& srv);
  ~ws_session() override;

  // Completes the upgrade, then starts the session actor.
  void run(boost::beast::http::request<boost::beast::http::string_body> req, std::string ns,
           session_info info);

  bool send(frame_ptr frame) override;
  void close(uint16_t code, std::string reason) override;

 private:
  using clock = std::chrono::steady_clock;
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void flush();
  void write_next();
  void on_write(boost::beast::error_code ec);
  void begin_close(uint16_t code, std::string reason);
  void arm_heartbeat();
  void teardown(uint16_t code);
  void send_text(std::string text);
  void clear_queue();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  server_state& srv_;
  std::string ns_;
  session_info info_;
  caf::actor actor_;

  // Shared with other threads (send/close), under mtx_.
  std::mutex mtx_;
  // Frames waiting to be written, oldest at queue_[head_]. A vector, not a
  // deque: libstdc++ gives every deque a 512-byte block even while empty,
  // and most sessions are idle.
  std::vector<frame_ptr> queue_;
  size_t head_ = 0;
  size_t queued_bytes_ = 0;
  bool flush_posted_ = false;
  bool rejecting_ = false;  // closing: no more frames accepted

  // Strand-only.
  frame_ptr in_flight_;
  bool writing_ = false;
  bool pinging_ = false;
  bool closing_ = false;
  bool closed_ = false;
  uint16_t close_code_ = close_code::normal;
  std::string close_reason_;
  int bad_frames_ = 0;
  clock::time_point last_seen_;
  boost::asio::steady_timer heartbeat_;
  boost::asio::steady_timer close_deadline_;
};

}  // namespace herald
