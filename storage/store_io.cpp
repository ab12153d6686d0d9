#include <chrono>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "storage/rocks.hpp"
#include "storage/store_threads.hpp"
#include "storage/synced_mark.hpp"

// The store's writes (group commit on the writer thread), its answer to a
// write fault, and its reader thread.
namespace herald::storage {

using rocks::io_error;
using clock = std::chrono::steady_clock;

namespace {
constexpr auto resume_every = std::chrono::seconds(1);
constexpr auto mark_sync_every = std::chrono::seconds(1);
// A live-only push writes its receipt counts behind its answer. Waking the
// writer for each cost a futex wake, a context switch and a WAL write per
// push (p2p, ttl 0: ~11 % of the node's CPU in the writer alone); they
// wait up to lazy_delay for company. A read placed behind them (receipts,
// device records: read_after_writes) or any write that waits for its
// outcome takes them along at once.
constexpr auto lazy_delay = std::chrono::milliseconds(2);
constexpr size_t lazy_max = 256;
}  // namespace

bool store::writable() const { return !threads_->refusing.load(std::memory_order_relaxed); }

std::optional<failure> store::refusal() const {
  if (writable()) return std::nullopt;
  std::lock_guard lock(threads_->mtx);
  return threads_->fault;
}

void store::commit(batch b, std::function<void(status)> done) {
  if (opts_.inline_io) {
    auto st = commit_now(std::move(b));
    if (done) done(st);
    return;
  }
  auto& t = *threads_;
  bool wake;
  {
    std::lock_guard lock(t.mtx);
    t.writes.push_back({std::move(b), std::move(done)});
    if (!t.writes.back().lazy()) {
      wake = ++t.eager == 1;
    } else {
      if (t.writes.size() == 1) t.lazy_due = clock::now() + lazy_delay;
      wake = t.eager == 0 && (t.writes.size() == 1 || t.writes.size() == lazy_max);
    }
  }
  // The writer sleeps until the first lazy job is due: a later one needs
  // no wake, an eager one does, once.
  if (wake) t.cv.notify_one();
}

status store::commit_now(batch b) {
  if (auto f = refusal()) return *f;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Write(wo, b.wb_.get());
  if (!st.ok()) return io_error(st, "write");
  return ok();
}

// After the first failed write, RocksDB stops the database (its background
// error) and a later write into the failed log file trips an assertion in
// Debian's build: nothing touches RocksDB's write path again until Resume
// has succeeded. RocksDB's own recovery from a full disk (its
// SstFileManager) starts once 64 MB are free; Resume covers the other
// faults once the device works again.
void store::refuse_writes(const failure& f) {
  auto& t = *threads_;
  {
    std::lock_guard lock(t.mtx);
    if (t.fault) return;
    t.fault = failure{fault::io, "the store refuses writes since a write failed (" + f.message + ")"};
    t.fault_since = clock::now();
    t.next_resume = t.fault_since + resume_every;
    t.refusing = true;
  }
  spdlog::error("store: refusing writes: {}; trying to resume every second until the fault clears", f.message);
  if (opts_.on_writable) opts_.on_writable(false);
}

void store::try_resume() {
  auto& t = *threads_;
  auto st = db_->Resume();
  std::lock_guard lock(t.mtx);
  if (!st.ok()) {
    t.next_resume = clock::now() + resume_every;
    return;
  }
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - t.fault_since).count();
  t.fault.reset();
  t.refusing = false;
  spdlog::warn("store: writes resumed after {} s", secs);
  if (opts_.on_writable) opts_.on_writable(true);
}

// Everything this thread wrote is in the synced log now.
void store::note_synced() {
  if (!mark_) return;
  mark_->note(db_->GetLatestSequenceNumber());
  if (auto now = clock::now(); now >= threads_->next_mark_sync) {
    mark_->sync();
    threads_->next_mark_sync = now + mark_sync_every;
  }
}

// The group's batches go to the WAL buffer, then to the file in one write:
// relaxed batches are answered then, the others after one sync that covers
// them all. After a failure nothing more is written.
void store::commit_group(std::deque<job>& jobs) {
  rocksdb::WriteOptions wo;
  wo.sync = false;
  std::optional<failure> failed;
  bool need_sync = false;
  for (auto& j : jobs) {
    auto st = db_->Write(wo, j.b.wb_.get());
    if (!st.ok()) {
      failed = io_error(st, "write");
      break;
    }
    need_sync = need_sync || !j.b.relaxed();
  }
  if (!failed)
    if (auto f = db_->FlushWAL(false); !f.ok()) failed = io_error(f, "write WAL");
  auto finish = [&](bool relaxed, const std::optional<failure>& f) {
    for (auto& j : jobs)
      if (j.b.relaxed() == relaxed) finish_job(j, f);
  };
  if (failed) {
    refuse_writes(*failed);
    for (auto& j : jobs) finish_job(j, failed);
    return;
  }
  finish(true, std::nullopt);
  if (!need_sync) return;
  if (auto s = db_->SyncWAL(); !s.ok()) failed = io_error(s, "sync WAL");
  if (failed) refuse_writes(*failed);
  else note_synced();
  finish(false, failed);
}

// One WAL sync per batch (storage.group_commit = false, for comparison).
void store::commit_each(std::deque<job>& jobs) {
  for (auto& j : jobs) {
    std::optional<failure> f = refusal();
    if (!f) {
      rocksdb::WriteOptions wo;
      wo.sync = !j.b.relaxed();
      auto st = db_->Write(wo, j.b.wb_.get());
      if (!st.ok()) {
        f = io_error(st, "write");
        refuse_writes(*f);
      } else if (wo.sync) {
        note_synced();
      }
    }
    finish_job(j, f);
  }
}

// Every batch's outcome goes out here: a failed one is counted once
// (herald_store_write_errors_total), whether it failed or was refused.
void store::finish_job(job& j, const std::optional<failure>& f) {
  if (f && opts_.on_write_error && !j.b.empty()) opts_.on_write_error();  // not a read's place marker
  if (j.done) j.done(f ? status{*f} : ok());
}

void store::writer_loop() {
  auto& t = *threads_;
  auto next_sweep = clock::now() + std::chrono::milliseconds(opts_.sweep_interval_ms);
  for (;;) {
    std::deque<job> jobs;
    std::optional<failure> refused;
    {
      std::unique_lock lock(t.mtx);
      auto wake = t.fault ? std::min(next_sweep, t.next_resume) : next_sweep;
      auto ready = [&] {
        return t.stopping || t.eager > 0 || t.writes.size() >= lazy_max ||
               (!t.writes.empty() && clock::now() >= t.lazy_due);
      };
      while (!ready()) {
        auto until = t.writes.empty() ? wake : std::min(wake, t.lazy_due);
        if (t.cv.wait_until(lock, until) == std::cv_status::timeout && clock::now() >= wake) break;
      }
      if (t.fault && clock::now() >= t.next_resume) {
        lock.unlock();
        try_resume();
        lock.lock();
      }
      if (t.writes.empty()) {
        if (t.stopping) return;
        if (clock::now() < next_sweep) continue;
        lock.unlock();
        if (writable()) compact_expired();
        next_sweep = clock::now() + std::chrono::milliseconds(opts_.sweep_interval_ms);
        continue;
      }
      // Lazy jobs not due yet go now when a sweep or a resume woke us:
      // early is harmless, and waiting here would spin until they are due.
      jobs.swap(t.writes);
      t.eager = 0;
      t.in_progress = jobs.size();
      refused = t.fault;
    }
    if (refused) {
      for (auto& j : jobs) finish_job(j, refused);
    } else if (opts_.group_commit) {
      commit_group(jobs);
    } else {
      commit_each(jobs);
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

void store::read_after_writes(std::function<void()> fn) {
  if (opts_.inline_io) return fn();
  auto b = make_batch();
  b.relax();  // nothing to sync: it only marks a place in the write queue
  commit(std::move(b), [this, fn = std::move(fn)](status) mutable { read(std::move(fn)); });
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
