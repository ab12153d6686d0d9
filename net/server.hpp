#pragma once
// The network side of a node: one port for the HTTP API and WebSocket
// upgrades, on Asio threads. Beast stays inside net/*.cpp.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/node.hpp"
#include "net/api.hpp"

namespace herald {

class ws_session;

// What listener, http_session and ws_session share.
struct server_state {
  node& n;
  api routes;
  limits lim;
  std::atomic<size_t> sessions{0};  // open WebSocket sessions
  std::atomic<size_t> session_objects{0};  // ws_session objects alive (they use the executor)
  std::atomic<bool> stopping{false};
  // One Asio thread: every socket's handlers run on it, so sockets need no
  // strand and a session's writer can be started inline from another's task.
  bool one_thread = true;
  // Sessions the heartbeat visits: one timer for the node, not one per
  // connection (a timer and its pending wait cost ~0.5 KB each).
  std::mutex heartbeat_mtx;
  std::vector<std::weak_ptr<ws_session>> heartbeat_sessions;
  server_state(node& nd, std::string admin_token)
    : n(nd), routes(nd, std::move(admin_token)), lim(nd.context()->lim) {}
};

class server {
 public:
  // Binds `listen` ("host:port"); errors as values.
  static result<std::unique_ptr<server>> start(node& n, const std::string& listen,
                                               std::string admin_token, int io_threads);
  ~server();
  // Stops accepting, closes every session with 1001 and waits (bounded) for
  // them to go. The destructor waits (bounded) until no ws_session object is
  // left (actors may still hold them), then stops the Asio threads.
  void shutdown(int wait_ms);
  // Blocks until SIGINT/SIGTERM.
  void wait_for_signal();
  server_state& state();

 private:
  struct impl;
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace herald
