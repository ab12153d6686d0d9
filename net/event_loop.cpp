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
  impl() : work(ioc.get_executor()) {}
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work;
  std::vector<std::thread> threads;
};

event_loop::event_loop(int threads) : impl_(std::make_unique<impl>()) {
  for (int i = 0; i < std::max(1, threads); ++i)
    impl_->threads.emplace_back([io = &impl_->ioc] {
      pthread_setname_np(pthread_self(), "herald.io");  // top -H, perf: which thread is busy
      io->run();
    });
}

event_loop::~event_loop() { stop(); }

net::io_context& event_loop::context() { return impl_->ioc; }

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
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

}  // namespace herald
