#include "net/loop_scheduler.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/logger.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include "net/event_loop.hpp"

namespace herald {

namespace {

namespace net = boost::asio;

class loop_coordinator;

// One per loop thread: where an actor that a running actor wakes (by
// sending it a message) waits for its turn, on the same thread.
struct loop_unit : caf::execution_unit {
  loop_unit(caf::actor_system* sys, loop_coordinator* owner) : caf::execution_unit(sys), owner(owner) {}
  void exec_later(caf::resumable* job) override;

  loop_coordinator* owner;
  std::deque<caf::resumable*> later;
  bool running = false;
};

class loop_coordinator : public caf::scheduler::abstract_coordinator {
 public:
  // Jobs run back to back per loop handler before the rest go to the back
  // of the loop's queue: sockets of this thread get their turn.
  static constexpr size_t fair_share = 64;

  loop_coordinator(caf::actor_system& sys, event_loop& loop) : abstract_coordinator(sys), loop_(loop) {}

  // From outside any actor (an Asio handler, the store's threads, CAF's
  // clock or middleman): to the loop.
  void enqueue(caf::resumable* job) override { post(job); }

  caf::detail::thread_safe_actor_clock& clock() noexcept override { return clock_; }

  void exec_later(loop_unit& u, caf::resumable* job) {
    pending_.fetch_add(1, std::memory_order_relaxed);
    u.later.push_back(job);
  }

 protected:
  void start() override {
    clock_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "caf.clock");
      system().thread_started();
      clock_.run_dispatch_loop();
      system().thread_terminates();
    });
    abstract_coordinator::start();
  }

  // The actor system is ending: what is still queued is cleaned up (its
  // actors end with user_shutdown) instead of run, on the loop, and this
  // waits for it (bounded: a loop that stopped first leaves nothing to
  // wait for that could run).
  void stop() override {
    closed_.store(true);
    stop_actors();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (pending_.load() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    clock_.cancel_dispatch_loop();
    clock_thread_.join();
    // A spawn or a resume leaves a reference to CAF's logger in the thread's
    // locals, and the actor system's destructor waits for the logger to go:
    // the loop's threads live on, so they let go of it here.
    loop_.on_each_thread([] { caf::logger::set_current_actor_system(nullptr); });
  }

 private:
  void post(caf::resumable* job) {
    pending_.fetch_add(1, std::memory_order_relaxed);
    net::post(loop_.context(), [this, job] { run(job); });
  }

  loop_unit& unit() {
    // One system per process in herald, but tests build several in turn.
    thread_local std::unique_ptr<loop_unit> u;
    if (!u || u->owner != this) u = std::make_unique<loop_unit>(&system(), this);
    return *u;
  }

  void run(caf::resumable* job) {
    auto& u = unit();
    u.later.push_back(job);
    if (u.running) return;
    u.running = true;
    for (size_t n = 0; !u.later.empty(); ++n) {
      auto* next = u.later.front();
      u.later.pop_front();
      if (n == fair_share) {
        // Still counted as pending: post() counts it again, so take one off.
        pending_.fetch_sub(1, std::memory_order_relaxed);
        post(next);
        continue;
      }
      resume(u, next);
    }
    u.running = false;
  }

  void resume(loop_unit& u, caf::resumable* job) {
    if (closed_.load(std::memory_order_relaxed)) {
      cleanup_and_release(job);
    } else {
      switch (job->resume(&u, max_throughput())) {
        case caf::resumable::resume_later:
          post(job);  // keeps its reference
          break;
        case caf::resumable::done:
        case caf::resumable::awaiting_message:
        case caf::resumable::shutdown_execution_unit:
          caf::intrusive_ptr_release(job);
          break;
      }
    }
    pending_.fetch_sub(1, std::memory_order_release);
  }

  event_loop& loop_;
  caf::detail::thread_safe_actor_clock clock_;
  std::thread clock_thread_;
  std::atomic<bool> closed_{false};
  std::atomic<int64_t> pending_{0};  // handed to the loop or a unit, not finished
};

void loop_unit::exec_later(caf::resumable* job) { owner->exec_later(*this, job); }

}  // namespace

void run_actors_on(caf::actor_system_config& cfg, event_loop& loop) {
  // CAF's default lets an actor handle its whole mailbox per turn: on the
  // loop that would keep a flooded actor (the namespace actor under a burst
  // of pushes) from letting its thread's sockets read and write. After
  // this many messages it goes to the back of the loop's queue.
  cfg.set("scheduler.max-throughput", size_t{256});
  cfg.module_factories.push_back(
    [&loop](caf::actor_system& sys) -> caf::actor_system::module* { return new loop_coordinator(sys, loop); });
}

}  // namespace herald
