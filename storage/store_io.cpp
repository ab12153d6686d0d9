#include <chrono>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/rocks.hpp"
#include "storage/store_threads.hpp"

// The store's writes (group commit on the writer thread) and its reader
// thread.
namespace herald::storage {

using rocks::io_error;

void store::commit(batch b, std::function<void(status)> done) {
  if (opts_.inline_io) {
    auto st = commit_now(std::move(b));
    if (done) done(st);
    return;
  }
  {
    std::lock_guard lock(threads_->mtx);
    threads_->writes.push_back({std::move(b), std::move(done)});
  }
  threads_->cv.notify_one();
}

status store::commit_now(batch b) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Write(wo, b.wb_.get());
  if (!st.ok()) return io_error(st, "write");
  return ok();
}

void store::writer_loop() {
  auto& t = *threads_;
  auto next_sweep = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.sweep_interval_ms);
  for (;;) {
    std::deque<threads::job> jobs;
    {
      std::unique_lock lock(t.mtx);
      t.cv.wait_until(lock, next_sweep, [&] { return t.stopping || !t.writes.empty(); });
      if (t.writes.empty()) {
        if (t.stopping) return;
        lock.unlock();
        compact_expired();
        next_sweep = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.sweep_interval_ms);
        continue;
      }
      jobs.swap(t.writes);
      t.in_progress = jobs.size();
    }
    if (opts_.group_commit) {
      // The group's batches go to the WAL buffer, then to the file in one
      // write: relaxed batches are answered then, the others after one sync
      // that covers them all.
      rocksdb::WriteOptions wo;
      wo.sync = false;
      std::vector<status> results;
      results.reserve(jobs.size());
      bool need_sync = false;
      for (auto& j : jobs) {
        auto st = db_->Write(wo, j.b.wb_.get());
        results.push_back(st.ok() ? ok() : status{io_error(st, "write")});
        need_sync = need_sync || !j.b.relaxed();
      }
      auto flushed = db_->FlushWAL(false);
      auto finish = [&](bool relaxed, const rocksdb::Status& io, const char* what) {
        for (size_t i = 0; i < jobs.size(); ++i) {
          if (jobs[i].b.relaxed() != relaxed || !jobs[i].done) continue;
          status st = !io.ok() && results[i] ? status{io_error(io, what)} : results[i];
          jobs[i].done(st);
        }
      };
      finish(true, flushed, "write WAL");
      if (need_sync) finish(false, flushed.ok() ? db_->SyncWAL() : flushed, "sync WAL");
    } else {
      for (auto& j : jobs) {
        rocksdb::WriteOptions wo;
        wo.sync = !j.b.relaxed();
        auto st = db_->Write(wo, j.b.wb_.get());
        if (j.done) j.done(st.ok() ? ok() : status{io_error(st, "write")});
      }
    }
    {
      std::lock_guard lock(t.mtx);
      t.in_progress = 0;
    }
    t.drained.notify_all();
  }
}

void store::drain() {
  if (opts_.inline_io) return;  // nothing is ever queued
  {
    std::unique_lock lock(threads_->rmtx);
    threads_->rdrained.wait(lock, [&] { return threads_->reads.empty() && !threads_->reading; });
  }
  std::unique_lock lock(threads_->mtx);
  threads_->drained.wait(lock, [&] { return threads_->writes.empty() && threads_->in_progress == 0; });
}

void store::read(std::function<void()> fn) {
  if (opts_.inline_io) return fn();
  {
    std::lock_guard lock(threads_->rmtx);
    threads_->reads.push_back(std::move(fn));
  }
  threads_->rcv.notify_one();
}

void store::reader_loop() {
  auto& t = *threads_;
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock lock(t.rmtx);
      t.rcv.wait(lock, [&] { return t.rstopping || !t.reads.empty(); });
      if (t.reads.empty()) return;
      fn = std::move(t.reads.front());
      t.reads.pop_front();
      t.reading = true;
    }
    fn();
    {
      std::lock_guard lock(t.rmtx);
      t.reading = false;
    }
    t.rdrained.notify_all();
  }
}

}  // namespace herald::storage
