#pragma once
// Internal to storage/: the store's writer and reader threads and their
// queues (storage/store_io.cpp runs them).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/store.hpp"

namespace herald::storage {

struct store::job {
  batch b;
  std::function<void(status)> done;
  // A relaxed batch nobody waits for (receipt counts, device visits): it
  // may wait for company instead of waking the writer by itself.
  bool lazy() const { return !done && b.relaxed(); }
};

struct store::threads {
  std::mutex mtx;
  std::condition_variable cv;
  std::deque<store::job> writes;
  // How many queued jobs want the writer now; while none does, lazy ones
  // wait until lazy_due (or until lazy_max of them are queued).
  size_t eager = 0;
  std::chrono::steady_clock::time_point lazy_due;
  size_t in_progress = 0;
  std::condition_variable drained;
  bool stopping = false;
  std::thread writer;
  // A write fault: while set, writes fail at once (under mtx; `refusing`
  // mirrors it for readers that do not lock).
  std::optional<failure> fault;
  std::atomic<bool> refusing{false};
  std::chrono::steady_clock::time_point fault_since, next_resume;
  std::chrono::steady_clock::time_point next_mark_sync;

  std::mutex rmtx;
  std::condition_variable rcv;
  std::deque<std::function<void()>> reads;
  bool reading = false;
  std::condition_variable rdrained;
  bool rstopping = false;
  std::thread reader;
};

}  // namespace herald::storage
