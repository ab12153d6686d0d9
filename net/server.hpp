#pragma once
// The network side of a node: one port for the HTTP API and WebSocket
// upgrades, on Asio threads. Beast stays inside net/*.cpp.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/node.hpp"
#include "net/api.hpp"

namespace herald {

// What listener, http_session and ws_session share.
struct server_state {
  node& n;
  api routes;
  limits lim;
  std::atomic<size_t> sessions{0};  // open WebSocket sessions
  std::atomic<bool> stopping{false};
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
  // them to go; then stops the Asio threads.
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
