#pragma once
// One Engine.IO session (net/eio_codec.hpp): the transport a Socket.IO
// client holds, HTTP long-polling or a WebSocket (a ws_session in its
// Engine.IO mode), with the packets waiting for it and the Socket.IO
// sockets it carries, one per namespace (net/sio_socket.hpp), each a herald
// session with its own session actor. Internal to net/.
//
// Polling keeps its own bounded queue of packets for the next GET; the
// upgrade (probe "2probe" / "3probe", then "5") hands what is queued to
// the WebSocket in order and the WebSocket's own bounded queue takes over.
// Pings are the registry's: one sweep per node and ping interval, as for
// native sessions.
//
// Thread-safe: polling requests come on HTTP threads, the WebSocket's
// frames on its thread, sockets' sends from actors. State is under mtx_;
// nothing calls into an actor while holding it.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "actors/connection.hpp"
#include "net/api.hpp"
#include "net/eio_codec.hpp"

namespace herald {

struct server_state;
class ws_session;
class sio_socket;
class eio_registry;

// What the session's first request told: every CONNECT on it reads it
// (tokens in the query, the connect callback's query and headers).
struct eio_handshake {
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names, the few the callback gets
  std::string remote;
  std::string user_agent;
};

// What a ws_session in Engine.IO mode reports to: the session itself, or
// a bridge to the node that holds it (net/eio_relay.hpp).
class eio_link {
 public:
  virtual ~eio_link() = default;
  virtual void ws_opened(const std::shared_ptr<ws_session>& ws) = 0;
  virtual void ws_text(ws_session& ws, std::string& text) = 0;
  virtual void ws_binary(ws_session& ws) = 0;
  virtual void ws_closed(ws_session& ws) = 0;
};

class eio_session : public eio_link, public std::enable_shared_from_this<eio_session> {
 public:
  // `ws_only`: opened with transport=websocket, the WebSocket that opens
  // it is the transport from the start.
  eio_session(server_state& srv, eio_registry& reg, std::string sid, eio_handshake hs,
              boost::asio::any_io_executor ex, bool ws_only);
  ~eio_session();
  const std::string& sid() const { return sid_; }
  const eio_handshake& handshake() const { return hs_; }
  server_state& server() { return srv_; }
  const boost::asio::any_io_executor& executor() const { return ex_; }

  // Polling: a GET waits for packets (one at a time); a POST brings them.
  void poll(reply_fn done);
  void post(std::string body, reply_fn done);

  // The WebSocket transport: opened (as the transport at once, or as a
  // probe of a polling session), each frame, its end. A WebSocket of this
  // node (a ws_session), or one another node holds for it (a bridge's
  // connection, net/eio_relay.hpp): either is a `connection`.
  void transport_opened(const connection_ptr& ws);
  void transport_text(connection& ws, std::string& text);
  void transport_binary(connection& ws);
  void transport_closed(connection& ws);
  void ws_opened(const std::shared_ptr<ws_session>& ws) override;
  void ws_text(ws_session& ws, std::string& text) override;
  void ws_binary(ws_session& ws) override;
  void ws_closed(ws_session& ws) override;

  // Queues one whole packet for the client (any thread); false once the
  // session is closed.
  bool send(std::string packet);
  // A packet head + data + "]" (net/send_queue.hpp): on a WebSocket the
  // shared data is not copied.
  bool send_wrapped(const frame_ptr& head, const frame_ptr& data);
  // The registry's sweep: ping, or end a session that did not answer the
  // last one.
  void heartbeat();
  // Ends the session and every socket on it; `code`: what the sockets'
  // sessions count as their close code.
  void end(uint16_t code, const char* why);
  // Takes the socket of namespace `nsp`; false when the session has ended
  // or that namespace is connected already.
  bool adopt(const std::string& nsp, std::shared_ptr<sio_socket> s);
  // A socket of this session is gone (its session closed, or the client
  // left the namespace): forget it.
  void forget(const std::string& nsp);
  bool closed() const;

 private:
  using clock = std::chrono::steady_clock;
  void on_packet(eio::packet& p, connection* via);
  void on_socketio(eio::packet& p);
  void flush_poll();
  std::string take_payload();  // call with mtx_ held

  server_state& srv_;
  eio_registry& reg_;
  std::string sid_;
  eio_handshake hs_;
  boost::asio::any_io_executor ex_;

  mutable std::mutex mtx_;
  bool closed_ = false;
  bool ws_only_;
  bool awaiting_pong_ = false;
  bool flush_posted_ = false;
  bool probed_ = false;  // the probe said "2probe": polls end at once until "5"
  uint32_t skip_binary_ = 0;  // attachments of a refused binary packet still to come
  std::vector<std::string> pending_;  // polling: packets for the next GET
  size_t pending_bytes_ = 0;
  reply_fn waiting_;                      // the GET waiting for packets
  connection_ptr ws_;     // the WebSocket transport, once upgraded
  connection_ptr probe_;  // a WebSocket probing to become it
  // One per namespace ("/NS"); a vector: most sessions carry one.
  std::vector<std::shared_ptr<sio_socket>> sockets_;
  std::shared_ptr<sio_socket> socket_of(const std::string& nsp) const;  // call with mtx_ held
};

}  // namespace herald
