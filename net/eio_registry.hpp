#pragma once
// A node's Engine.IO sessions by sid, the Socket.IO endpoint's HTTP side
// (the handshake, polling GETs and POSTs, the WebSocket upgrade's checks)
// and the one ping sweep for them all. Internal to net/.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor.hpp>

#include "net/api.hpp"
#include "net/eio_session.hpp"
#include "net/ping_wheel.hpp"

namespace herald {

struct eio_settings {
  std::string path = "/socket.io/";  // [node] socketio_path
  int64_t ping_interval_ms = 25000;  // [node] socketio_ping_interval (s)
  int64_t ping_timeout_ms = 20000;   // [node] socketio_ping_timeout (s)
};

class eio_registry {
 public:
  eio_registry(server_state& srv, boost::asio::io_context& ioc, eio_settings s);
  ~eio_registry();

  // The endpoint's path, with or without its trailing slash.
  bool serves(std::string_view path) const;
  const eio_settings& settings() const { return set_; }
  int64_t max_payload() const;

  // A polling request (the handshake when it has no sid).
  void http(const std::string& method, const std::map<std::string, std::string>& query, std::string body,
            eio_handshake hs, reply_fn done);

  // The checks of a WebSocket upgrade at the path: the session it carries
  // (a new one for transport=websocket without sid, else the one it
  // probes) with the frame to write first, or the HTTP error to refuse with.
  struct ws_plan {
    std::shared_ptr<eio_link> session;  // the session, or a bridge to its node
    std::string id;                     // its sid
    std::string first;
    api_response refusal{0, {}};  // status 0: none
  };
  ws_plan plan_websocket(const std::map<std::string, std::string>& query, eio_handshake hs);

  // A poll for a session of this node, never relayed (the relay's own).
  void http_here(const std::string& method, const std::string& sid, std::string body, reply_fn done);
  std::shared_ptr<eio_session> find(const std::string& sid) const;
  // This node's relay (net/eio_relay.hpp), in a cluster.
  void set_relay(caf::actor relay);
  // WebSockets of this node bridged to sessions elsewhere, by link.
  void bridge(uint64_t link, const std::shared_ptr<ws_session>& ws);
  void unbridge(uint64_t link);
  std::shared_ptr<ws_session> bridged(uint64_t link) const;

  void remove(const std::string& sid);
  size_t size() const;
  // Ends every session (shutdown): the clients reconnect elsewhere.
  void end_all(uint16_t code, const char* why);
  void stop();

 private:
  std::shared_ptr<eio_session> open(eio_handshake hs, bool ws_only);
  void sweep();
  // The relay of the member a sid names, when it is another live one.
  caf::actor holder_of(const std::string& sid) const;

  server_state& srv_;
  boost::asio::io_context& ioc_;
  eio_settings set_;
  std::string bare_path_;  // the path without its trailing slash
  mutable std::mutex mtx_;
  std::unordered_map<std::string, std::shared_ptr<eio_session>> sessions_;
  ping_wheel<eio_session> pings_;  // a bucket a second: net/ping_wheel.hpp
  std::unordered_map<uint64_t, std::weak_ptr<ws_session>> bridges_;
  caf::actor relay_;
  boost::asio::steady_timer sweep_;
  std::atomic<bool> stopped_{false};
};

}  // namespace herald
