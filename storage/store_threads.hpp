#pragma once
// Internal to storage/: the store's writer and reader threads and their
// queues (storage/store_io.cpp runs them).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/store.hpp"

namespace herald::storage {

struct store::threads {
  struct job {
    batch b;
    std::function<void(status)> done;
  };
  std::mutex mtx;
  std::condition_variable cv;
  std::deque<job> writes;
  size_t in_progress = 0;
  std::condition_variable drained;
  bool stopping = false;
  std::thread writer;

  std::mutex rmtx;
  std::condition_variable rcv;
  std::deque<std::function<void()>> reads;
  bool reading = false;
  std::condition_variable rdrained;
  bool rstopping = false;
  std::thread reader;
};

}  // namespace herald::storage
