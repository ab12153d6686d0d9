#pragma once
// The network side of a node: one port for the HTTP API and WebSocket
// upgrades, on Asio threads. Beast stays inside net/*.cpp.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/eio_registry.hpp"
#include "net/server_state.hpp"

namespace herald {

class event_loop;

// What the listener is told by the config ([node], [admin]).
struct listener_options {
  std::string listen;  // host:port
  std::string admin_token;
  std::vector<std::string> ws_origins;  // lower case; empty: any
  std::vector<std::string> cors_origins;  // lower case; "*": any; empty: none
  // PEM files; both set: HTTPS and WSS only on this port.
  std::string tls_cert;
  std::string tls_key;
  eio_settings socketio;  // the Socket.IO endpoint
  std::string demo_ns;    // [node] demo_ns
  int64_t write_delay_ms = 50;  // [node] write_delay
};

class server {
 public:
  // Binds `o.listen` and serves on `loop`'s threads; errors as values (a
  // certificate that cannot be read among them). The loop must be stopped
  // before the server is destroyed: its handlers refer to the server's state.
  static result<std::unique_ptr<server>> start(node& n, listener_options o, event_loop& loop);
  ~server();
  // Waits (bounded) until no ws_session object and no API answer is left
  // (actors may still hold them), then closes the acceptor and timers.
  void close();
  // Stops accepting, closes every session with 1001 and waits (bounded) for
  // them to go.
  void shutdown(int wait_ms);
  // Leaves gracefully before a shutdown: answers 503 on /readyz and to
  // new WebSocket upgrades at once (the HTTP API goes on), runs
  // `hand_off` (which returns when the node's keys have new owners, or
  // gives up), then closes the sessions with 1001 spread evenly over
  // `spread`, so their clients reconnect elsewhere without a stampede.
  void drain(const std::function<void()>& hand_off, std::chrono::milliseconds spread);
  // Blocks until SIGINT/SIGTERM.
  void wait_for_signal();
  server_state& state();

 private:
  struct impl;
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace herald
