#pragma once
// One WebSocket connection: owns its socket and one bounded write queue,
// nothing else. Implements `connection` for its session actor. Framing is
// net/ws_codec (see there why not Beast's stream). Internal to net/. The
// upgrade is in ws_session_open.cpp, the write side in ws_session_write.cpp.
//
// Reads wait for readability and read into a buffer shared by the thread,
// so an idle connection holds no read buffer. Writes take every frame
// queued so far (up to a batch) and write them with one writev, directly
// when the socket has room, else when it becomes writable.
#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <caf/actor.hpp>

#include "actors/connection.hpp"
#include "actors/protocol.hpp"
#include "actors/room_access.hpp"
#include "net/server_state.hpp"
#include "net/tls.hpp"
#include "net/send_queue.hpp"
#include "net/ws_codec.hpp"

namespace herald {

class eio_link;

class ws_session : public connection, public std::enable_shared_from_this<ws_session> {
 public:
  // `ssl`: the connection's TLS, when it has any (net/tls.hpp): reads and
  // writes then go through it, on the same readiness waits.
  ws_session(boost::asio::ip::tcp::socket&& socket, server_state& srv, ssl_ptr ssl = {});
  ~ws_session() override;

  // Answers the upgrade, then starts the session actor. `early`: bytes read
  // with the upgrade request (frames the client did not wait to send).
  // `ns_slot`: this session's place in its namespace's count on this node
  // (net/admission.hpp), released when it closes; may be null.
  // `grant`: what its token gives (expiry, room claims).
  void run(const boost::beast::http::request<boost::beast::http::string_body>& req, std::string ns,
           session_info info, std::string early, std::atomic<uint32_t>* ns_slot, token_grant grant,
           std::vector<std::string> join_rooms = {}, storage::device_record device = {});

  // As the WebSocket transport of an Engine.IO session (net/eio_session):
  // its text and binary frames go to `eio`, not to a session actor of its
  // own; `first`: a frame written right after the upgrade (the open packet
  // of a socket opened with transport=websocket), or empty (a probe).
  // `id`: the Engine.IO sid, for the log.
  void run_eio(const boost::beast::http::request<boost::beast::http::string_body>& req,
               std::shared_ptr<eio_link> eio, const std::string& id, std::string early, std::string first);

  bool send(frame_ptr frame) override;
  // Written as three buffers: no copy per recipient.
  bool send_wrapped(frame_ptr head, frame_ptr data) override;
  void close(uint16_t code, std::string reason) override;
  void expire_at(int64_t ms) override;
  uint16_t closed_with() const override { return ended_code_.load(std::memory_order_acquire); }
  void wake_all(std::vector<connection_ptr>&& conns) override;
  void wake_part(std::vector<connection_ptr>&& conns, bool shared_out,
                 std::chrono::milliseconds delay = std::chrono::milliseconds{0});
  // From the server's heartbeat sweep, any thread: ping, or drop a peer
  // silent for 3 heartbeats.
  void heartbeat();

 private:
  using clock = std::chrono::steady_clock;
  using out_frame = send_queue::frame;

  void answer_upgrade(const boost::beast::http::request<boost::beast::http::string_body>& req,
                      std::function<void(bool)> then);
  void read_from(const std::string& early);
  void start(const std::string& ns, session_info info, const std::string& early, token_grant grant,
             std::vector<std::string> join_rooms, storage::device_record device);
  void arm_expiry(int64_t ms);
  void wait_readable();
  void wait_for(boost::asio::ip::tcp::socket::wait_type what, void (ws_session::*then)());
  void on_readable();
  // Handles the frames in `data`; false once the session is closed.
  bool consume(const char* data, size_t n);
  void handle(ws::event& e);
  void push_control(uint8_t op, std::string payload);
  void flush();
  void write_batch();
  void wait_writable();
  void written();
  void begin_close(uint16_t code, std::string reason);
  void arm_close_deadline();
  void on_heartbeat();
  void teardown(uint16_t code);
  void send_text(std::string text);
  void overflowed();
  // For the log: the session actor's id, or "eio" for an Engine.IO
  // transport (no copy of the session id per connection).
  std::string log_name() const;
  // One more frame from the peer: false beyond limits.frame_rate a second.
  bool frame_allowed();

  // The bytes of one read or one write, through TLS when there is one.
  size_t read_some(boost::system::error_code& ec, boost::asio::ip::tcp::socket::wait_type& wait);
  size_t write_some(const boost::asio::const_buffer* from, const boost::asio::const_buffer* to,
                    boost::system::error_code& ec, boost::asio::ip::tcp::socket::wait_type& wait);
  void shutdown_send();

  boost::asio::ip::tcp::socket socket_;
  ssl_ptr ssl_;
  server_state& srv_;
  herald::handle<session_interface> actor_;  // herald::, since handle() is a member
  std::shared_ptr<eio_link> eio_;  // an Engine.IO transport's session (or bridge), until the end
  ws::reader reader_;

  // Shared with other threads (send/close).
  send_queue queue_;

  // Executor-only.
  // A write's vectors: borrowed from the thread's spare set for a write
  // and given back when it completes (net/ws_session_write.cpp).
  void borrow_vectors();
  void return_vectors();
  std::vector<out_frame> batch_;                  // being written
  std::vector<uint8_t> headers_;                  // their headers
  std::vector<boost::asio::const_buffer> bufs_;   // what is left to write
  size_t buf_at_ = 0;                             // first unwritten buffer
  bool writing_ = false;
  bool close_sent_ = false;
  bool peer_closed_ = false;    // the peer sent its close frame
  bool reader_failed_ = false;  // protocol error: nothing more is read
  bool closing_ = false;
  bool closed_ = false;
  uint16_t close_code_ = close_code::normal;
  std::atomic<uint16_t> ended_code_{0};  // read by the namespace actor after the end
  std::string close_reason_;
  int bad_frames_ = 0;
  uint32_t frames_this_second_ = 0;  // limits.frame_rate
  uint32_t frame_second_ = 0;
  clock::time_point last_seen_;
  std::atomic<uint32_t>* ns_slot_ = nullptr;
  // Only while closing: most sessions never need it.
  std::unique_ptr<boost::asio::steady_timer> close_deadline_;
  std::unique_ptr<boost::asio::steady_timer> expiry_;  // only for a token with `exp`
};

}  // namespace herald
