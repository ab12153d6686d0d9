#pragma once
// What the listener, http_session and ws_session share on one node: the
// node, the API routes, the limits and a few counters. Kept apart from
// server.hpp so the sessions need not know the server.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/node.hpp"
#include "net/api.hpp"
#include "net/backlog_gate.hpp"
#include "net/cors.hpp"
#include "net/ping_wheel.hpp"

#include <boost/asio/any_io_executor.hpp>

namespace boost::asio {
class io_context;
}

namespace herald {

class ws_session;
class auth_client;
class eio_registry;

struct server_state {
  node& n;
  api routes;
  limits lim;
  std::atomic<size_t> sessions{0};  // open WebSocket sessions
  std::atomic<size_t> session_objects{0};  // ws_session objects alive (they use the executor)
  std::atomic<bool> stopping{false};
  // One Asio thread: every socket's handlers run on it, so sockets need no
  // strand and a session's writer can be started inline from another's task.
  bool one_thread() const { return io_threads <= 1; }
  // What a connection's socket runs on in `io` (the API's context for an
  // accepted one, the sockets' once upgraded): a strand, or with one thread
  // the context itself (no strand wrapper in every pending operation, and
  // ~240 B less per connection).
  boost::asio::any_io_executor connection_executor(boost::asio::io_context& io) const;
  unsigned io_threads = 1;  // the event loop's threads (per context)
  // The context the WebSocket sessions move to on their upgrade
  // (net/event_loop.hpp); null: they stay on the API's.
  boost::asio::io_context* sockets = nullptr;
  // The delivery backlog that API requests are admitted by.
  backlog_gate gate;
  // Fan-out write tasks posted and not finished, and when the last one
  // finished (steady clock, ns): ws_session::wake_all shares a fan-out out
  // over the threads only when the loop is quiet.
  std::atomic<int> wakes_in_flight{0};
  std::atomic<int64_t> last_wake_done{0};
  // [node] write_delay: how long a big fan-out's writes wait while others
  // are being written (ws_session::wake_all); 0: never.
  int64_t write_delay_ms = 50;
  // Sessions the heartbeat visits, a bucket a second: one timer for the
  // node, not one per connection (a timer and its wait cost ~0.5 KB each).
  std::mutex heartbeat_mtx;
  ping_wheel<ws_session> heartbeat_sessions;
  // Origins a browser may open a WebSocket from, lower case; empty: any.
  std::vector<std::string> ws_origins;
  // Page origins that may call the HTTP API ([node] cors_origins).
  cors_policy cors;
  // Namespaces' connect callbacks (auth_url), with their cache.
  std::shared_ptr<auth_client> auth;
  // The Socket.IO endpoint's Engine.IO sessions ([node] socketio_path).
  std::shared_ptr<eio_registry> eio;
  server_state(node& nd, std::string admin_token)
    : n(nd), routes(nd, std::move(admin_token)), lim(nd.context()->lim), gate(gate_per_session(), gate_max_hold), heartbeat_sessions(lim.heartbeat) {}

 private:
  // A big fan-out's frames queued per session before API requests wait:
  // ~10 messages behind, ~100 ms at a saturated room's rate. Only when the
  // delayed writes run below the publishes (net/thread_priority.hpp):
  // at equal priority the gate only slowed the publishes (one node 0.76x,
  // three 0.89x; docs/benchmarks.md, "Publishes before the writes").
  static int64_t gate_per_session();
  // The longest a request waits for the backlog (slow readers' frames
  // count in it until their queues overflow).
  static constexpr std::chrono::milliseconds gate_max_hold{500};
};

}  // namespace herald
