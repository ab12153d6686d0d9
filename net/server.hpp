#pragma once
// The network side of a node: one port for the HTTP API and WebSocket
// upgrades, on Asio threads. Beast stays inside net/*.cpp.
#include <memory>
#include <string>

#include "net/server_state.hpp"

namespace herald {

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
