#pragma once
// The node's Asio threads: `io_threads` of them (herald.io) run the
// context of the listener, the HTTP API, the cluster's tunnels and, with
// node.workers = 0, the actors (net/loop_scheduler.hpp); as many more
// (herald.ws) run the context of the WebSocket sessions. Created before
// the actor system and stopped after it.
//
// Two contexts, so that a publish's round trip does not queue behind a big
// fan-out's socket writes: those run on the sockets' threads, at a lower
// priority while a delayed pass writes (net/thread_priority.hpp), and the
// API's threads stay free for the publishes, which the delivery backlog
// admits (net/backlog_gate.hpp). Measured: a room over three local nodes
// 0.53x -> 1.00x one node's saturated rate, one node 1.18x
// (docs/benchmarks.md, "Publishes before the writes").
// Within each, one context shared by all its threads, not one per thread:
// a fan-out then spreads its socket writes over every thread (with a
// context per thread, 269k vs 596k deliveries/s). The price is a strand
// per socket when there is more than one thread.
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace herald {

class event_loop {
 public:
  // Starts `threads` threads (at least one) for each context.
  explicit event_loop(int threads);
  ~event_loop();  // stop()
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  boost::asio::io_context& context();  // the API's, the actors'
  boost::asio::io_context& sockets();  // the WebSocket sessions'
  int threads() const;                  // per context
  // Runs `fn` once on each of the API context's threads and returns when
  // all have; not from one of them. Each waits for the others meanwhile.
  void on_each_thread(const std::function<void()>& fn);
  // Lets the threads end and joins them; what is still queued is not run.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace herald
