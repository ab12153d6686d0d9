#pragma once
// The node's Asio threads and their one io_context. Created before the
// actor system and stopped after it, because with node.workers = 0 the
// actors run on these threads too (net/loop_scheduler.hpp).
//
// One context shared by all threads, not one per thread: a room's fan-out
// then spreads its socket writes over every thread (measured: with a
// context per thread, the thread running the namespace actor also wrote
// its half of the members while the other waited, 269k vs 596k
// deliveries/s; docs/benchmarks.md). The price is a strand per socket
// when there is more than one thread.
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace herald {

class event_loop {
 public:
  // Starts `threads` threads (at least one), named herald.io.
  explicit event_loop(int threads);
  ~event_loop();  // stop()
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  boost::asio::io_context& context();
  int threads() const;
  // Runs `fn` once on each of the threads and returns when all have; not
  // from one of them. Each thread waits for the others meanwhile.
  void on_each_thread(const std::function<void()>& fn);
  // Lets the threads end and joins them; what is still queued is not run.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace herald
