#include "net/event_loop.hpp"

#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace herald {

namespace net = boost::asio;

struct event_loop::impl {
  impl() : work(ioc.get_executor()), socket_work(sockets.get_executor()) {}
  net::io_context ioc, sockets;
  net::executor_work_guard<net::io_context::executor_type> work, socket_work;
  std::vector<std::thread> threads, socket_threads;
};

event_loop::event_loop(int threads) : impl_(std::make_unique<impl>()) {
  auto start = [](std::vector<std::thread>& v, net::io_context& io, const char* name) {
    v.emplace_back([&io, name] {
      pthread_setname_np(pthread_self(), name);  // top -H, perf: which thread is busy
      io.run();
    });
  };
  for (int i = 0; i < std::max(1, threads); ++i) {
    start(impl_->threads, impl_->ioc, "herald.io");
    start(impl_->socket_threads, impl_->sockets, "herald.ws");
  }
}

event_loop::~event_loop() { stop(); }

net::io_context& event_loop::context() { return impl_->ioc; }

net::io_context& event_loop::sockets() { return impl_->sockets; }

int event_loop::threads() const { return static_cast<int>(impl_->threads.size()); }

void event_loop::on_each_thread(const std::function<void()>& fn) {
  // Every task waits until all have started, so no thread takes two.
  struct meet {
    std::mutex mtx;
    std::condition_variable cv;
    size_t started = 0, finished = 0;
  } m;
  auto n = impl_->threads.size();
  for (size_t i = 0; i < n; ++i)
    net::post(impl_->ioc, [&m, &fn, n] {
      std::unique_lock lock(m.mtx);
      ++m.started;
      m.cv.notify_all();
      m.cv.wait(lock, [&] { return m.started == n; });
      lock.unlock();
      fn();
      lock.lock();
      ++m.finished;
      m.cv.notify_all();
    });
  std::unique_lock lock(m.mtx);
  m.cv.wait(lock, [&] { return m.finished == n; });
}

void event_loop::stop() {
  impl_->work.reset();
  impl_->socket_work.reset();
  impl_->ioc.stop();
  impl_->sockets.stop();
  for (auto* v : {&impl_->threads, &impl_->socket_threads})
    for (auto& t : *v)
      if (t.joinable()) t.join();
}

}  // namespace herald
