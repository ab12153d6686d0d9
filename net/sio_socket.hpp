#pragma once
// One Socket.IO socket: a namespace "/NS" of an Engine.IO session
// (net/eio_session.hpp), which is one herald session of namespace NS with
// its own session actor. It is that actor's `connection`: native frames
// become Socket.IO packets (net/sio_frames.hpp) queued on the Engine.IO
// session, whose transport writes them. Internal to net/.
//
// A close from herald (an API disconnect, an expired token, abuse) tells
// the client why with a `close` event {"code","reason"} and ends the socket
// with a DISCONNECT; the client stays off, as after any server disconnect
// in Socket.IO. A shutdown (1001) or a full queue (1013) ends the whole
// Engine.IO session instead, so the client reconnects by itself.
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>

#include "actors/connection.hpp"
#include "actors/protocol.hpp"
#include "actors/wire.hpp"

namespace herald {

class eio_session;
struct server_state;

class sio_socket : public connection, public std::enable_shared_from_this<sio_socket> {
 public:
  sio_socket(const std::shared_ptr<eio_session>& eio, std::string nsp, std::string session, bool lightpush,
             std::atomic<uint32_t>* ns_slot);
  ~sio_socket() override;

  bool send(frame_ptr frame) override;
  void close(uint16_t code, std::string reason) override;
  void expire_at(int64_t ms) override;
  uint16_t closed_with() const override { return ended_.load(std::memory_order_acquire); }
  void wake_all(std::vector<connection_ptr>&&) override {}  // its sends never wait for a batch

  // Starts its session actor; false when the namespace is gone.
  bool start(const std::string& ns, session_info info, token_grant grant, std::vector<std::string> rooms,
             storage::device_record device);
  // A client frame for its session actor (from the Engine.IO session).
  void frame(wire::client_frame f);
  // The client left the namespace, or the transport ended: the actor hears
  // of it. Once.
  void ended(uint16_t code);
  bool lightpush() const { return lightpush_; }
  const std::string& nsp() const { return nsp_; }

 private:
  void on_close(uint16_t code, const std::string& reason);
  void arm_expiry(int64_t ms);

  std::weak_ptr<eio_session> eio_;
  server_state& srv_;
  std::string nsp_;
  std::string session_;
  bool lightpush_;
  frame_ptr message_head_;  // "42/NS,[\"message\"," (or "push"): before every message
  std::atomic<uint16_t> ended_{0};
  std::atomic<uint32_t>* ns_slot_;
  std::mutex mtx_;  // actor_ and expiry_: the transport's threads and the actor's
  herald::handle<session_interface> actor_;
  std::unique_ptr<boost::asio::steady_timer> expiry_;  // only for a token with `exp`
};

// A CONNECT for namespace `nsp` with its auth payload (a JSON object's
// text, or empty): checks it as the native upgrade checks a WebSocket
// (the namespace, the token or the connect callback, the limits), then
// answers the client (the CONNECT answer once the session is registered,
// or CONNECT_ERROR with herald's error code).
void sio_connect(const std::shared_ptr<eio_session>& eio, const std::string& nsp, std::string_view auth);

}  // namespace herald
