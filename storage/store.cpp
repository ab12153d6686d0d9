#include "storage/store.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <type_traits>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

namespace herald::storage {

namespace {

const char* const cf_namespaces = "namespaces";
const char* const cf_inbox = "inbox";
const char* const cf_cursors = "cursors";
const char* const cf_history = "history";
const char* const cf_receipts = "receipts";

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

failure io_error(const rocksdb::Status& s, const std::string& what) {
  return failure{s.IsCorruption() ? fault::corrupt : fault::io, what + ": " + s.ToString()};
}

// Receipts are counters: merging adds them, so concurrent updates from many
// user actors need no read-modify-write.
class add_counts_operator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    counts sum;
    if (existing)
      if (auto c = decode_counts(std::string_view(existing->data(), existing->size()))) sum = *c;
    if (auto c = decode_counts(std::string_view(value.data(), value.size()))) {
      sum.sent += c->sent;
      sum.acked += c->acked;
    }
    *new_value = encode(sum);
    return true;
  }
  const char* Name() const override { return "herald.add_counts"; }
};

// Drops inbox records whose ttl has run out.
class expired_filter : public rocksdb::CompactionFilter {
 public:
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*, bool*) const override {
    auto e = expiry_of(std::string_view(value.data(), value.size()));
    return e && *e != 0 && *e <= wall_ms();
  }
  const char* Name() const override { return "herald.expired"; }
};

// Drops receipts older than the retention (the id starts with its time).
class old_receipt_filter : public rocksdb::CompactionFilter {
 public:
  explicit old_receipt_filter(int64_t retention) : retention_(retention) {}
  bool old(const rocksdb::Slice& key) const {
    std::string_view k(key.data(), key.size());
    auto z = k.find('\0');
    if (z == std::string_view::npos) return false;
    auto t = id_time(k.substr(z + 1));
    return t && *t < wall_ms() - retention_;
  }
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice&, std::string*, bool*) const override {
    return old(key);
  }
  bool FilterMergeOperand(int, const rocksdb::Slice& key, const rocksdb::Slice&) const override { return old(key); }
  const char* Name() const override { return "herald.old_receipts"; }

 private:
  int64_t retention_;
};

// Memtable insert hint for receipts. A skip-list insert searches from the
// top for its place; a key that follows the previous key of the same prefix
// starts from that key's place instead. Receipt keys are a namespace's
// time-ordered message ids, so nearly every receipt write is such an append
// (callgrind: 215k -> 209k instructions per durable push). RocksDB checks
// the hint, so a key elsewhere is still put in order.
// RocksDB 7.8 keeps one hint per prefix for both of a memtable's skip lists,
// points and range tombstones: a range deletion whose start key had a hint
// would use a point key's place in the other list (its debug build asserts;
// a release build would corrupt the memtable). The only range deletion here
// starts at the bare "ns\0" (store::delete_namespace), which is therefore
// outside the domain. Not used for the inbox (a prefix per user, each
// costing a ~230 B splice in the memtable, measured no gain) nor the room
// history (trimmed with range deletions inside the room's prefix).
class receipt_hint : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "herald.receipt_hint"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    auto* z = static_cast<const char*>(memchr(key.data(), '\0', key.size()));
    return rocksdb::Slice(key.data(), static_cast<size_t>(z - key.data()) + 1);
  }
  // "ns\0id": a \0 with an id after it.
  bool InDomain(const rocksdb::Slice& key) const override {
    auto* z = static_cast<const char*>(memchr(key.data(), '\0', key.size()));
    return z && z + 1 < key.data() + key.size();
  }
};

// Upper bound for iterating keys that start with `p`.
std::string prefix_end(std::string p) {
  while (!p.empty()) {
    auto c = static_cast<unsigned char>(p.back());
    if (c != 0xff) {
      p.back() = static_cast<char>(c + 1);
      return p;
    }
    p.pop_back();
  }
  return p;
}

}  // namespace

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

  expired_filter inbox_filter;
  std::unique_ptr<old_receipt_filter> receipt_filter;
};

// -- batch ---------------------------------------------------------------

batch::batch() : wb_(std::make_unique<rocksdb::WriteBatch>()) {}
batch::~batch() = default;
batch::batch(batch&&) noexcept = default;
batch& batch::operator=(batch&&) noexcept = default;

void batch::put_inbox(const std::string& ns, const std::string& user, uint64_t seq, const record& r) {
  wb_->Put(owner_->inbox_cf_, key_seq(ns, user, seq), encode(r));
}
void batch::delete_inbox(const std::string& ns, const std::string& user, uint64_t seq) {
  wb_->Delete(owner_->inbox_cf_, key_seq(ns, user, seq));
}
void batch::put_cursor(const std::string& ns, const std::string& user, const std::string& device, const cursor& c) {
  wb_->Put(owner_->cursors_cf_, key3(ns, user, device), encode(c));
}
void batch::delete_cursor(const std::string& ns, const std::string& user, const std::string& device) {
  wb_->Delete(owner_->cursors_cf_, key3(ns, user, device));
}
void batch::put_history(const std::string& ns, const std::string& room, uint64_t seq, const record& r) {
  wb_->Put(owner_->history_cf_, key_seq(ns, room, seq), encode(r));
}
void batch::trim_history(const std::string& ns, const std::string& room, uint64_t keep_from) {
  if (keep_from == 0) return;
  wb_->DeleteRange(owner_->history_cf_, key_seq(ns, room, 0), key_seq(ns, room, keep_from));
}
void batch::add_counts(const std::string& ns, const std::string& id, counts c) {
  wb_->Merge(owner_->receipts_cf_, key2(ns, id), encode(c));
}
bool batch::empty() const { return wb_->Count() == 0; }

// -- open / close ----------------------------------------------------------

result<std::unique_ptr<store>> store::open(const std::string& dir, store_options opts) {
  return open_impl(dir, false, opts);
}

result<std::unique_ptr<store>> store::open_read_only(const std::string& dir) { return open_impl(dir, true, {}); }

result<std::unique_ptr<store>> store::open_impl(const std::string& dir, bool read_only, store_options sopts) {
  std::error_code ec;
  if (!read_only) std::filesystem::create_directories(dir, ec);
  if (ec) return failure{fault::io, "cannot create data_dir " + dir + ": " + ec.message()};
  std::unique_ptr<store> s(new store);
  s->dir_ = dir;
  s->opts_ = sopts;
  s->threads_ = std::make_unique<threads>();
  s->threads_->receipt_filter = std::make_unique<old_receipt_filter>(sopts.receipt_retention_ms);
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.keep_log_file_num = 4;
  // RocksDB's default level is DEBUG unless NDEBUG is defined (herald keeps
  // its asserts): every group commit then wrote "FlushWAL sync=false" to
  // the LOG, ~300 KB/s at 20k pushes/s with no size limit (4 % of herald's
  // instructions per push, callgrind). Info and up, and files rotated at
  // 16 MB (at most keep_log_file_num of them).
  opts.info_log_level = rocksdb::InfoLogLevel::INFO_LEVEL;
  opts.max_log_file_size = 16 << 20;
  opts.max_manifest_file_size = 64 << 20;
  // All memtables together, whatever the number of column families.
  opts.db_write_buffer_size = 64 << 20;
  // The writer thread flushes the WAL once per group (store::writer_loop):
  // without this, each batch of a group was its own write(2) to the log.
  opts.manual_wal_flush = sopts.group_commit;
  std::vector<std::string> names;
  auto ls = rocksdb::DB::ListColumnFamilies(opts, dir, &names);
  if (!ls.ok()) {
    if (read_only) return io_error(ls, "no herald data in " + dir);
    names = {rocksdb::kDefaultColumnFamilyName};
  }
  for (const char* want : {cf_namespaces, cf_inbox, cf_cursors, cf_history, cf_receipts})
    if (std::find(names.begin(), names.end(), want) == names.end() && !read_only) names.push_back(want);
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto& n : names) {
    rocksdb::ColumnFamilyOptions co;
    if (n == cf_inbox) co.compaction_filter = &s->threads_->inbox_filter;
    if (n == cf_receipts) {
      co.memtable_insert_with_hint_prefix_extractor = std::make_shared<receipt_hint>();
      co.merge_operator = std::make_shared<add_counts_operator>();
      co.compaction_filter = s->threads_->receipt_filter.get();
    }
    descs.emplace_back(n, co);
  }
  rocksdb::DB* raw = nullptr;
  auto st = read_only ? rocksdb::DB::OpenForReadOnly(opts, dir, descs, &s->cfs_, &raw)
                      : rocksdb::DB::Open(opts, dir, descs, &s->cfs_, &raw);
  if (!st.ok()) {
    if (st.IsIOError() && st.ToString().find("lock") != std::string::npos)
      return failure{fault::busy,
                     "data_dir " + dir + " is in use by another herald process (" + st.ToString() + ")"};
    return io_error(st, "cannot open RocksDB in " + dir);
  }
  s->db_.reset(raw);
  for (size_t i = 0; i < names.size(); ++i) {
    auto& n = names[i];
    auto* h = s->cfs_[i];
    if (n == cf_namespaces) s->ns_cf_ = h;
    else if (n == cf_inbox) s->inbox_cf_ = h;
    else if (n == cf_cursors) s->cursors_cf_ = h;
    else if (n == cf_history) s->history_cf_ = h;
    else if (n == cf_receipts) s->receipts_cf_ = h;
  }
  if (!s->ns_cf_) return failure{fault::corrupt, "no herald data in " + dir};
  if (!read_only && !sopts.inline_io) {
    s->threads_->writer = std::thread([p = s.get()] {
      pthread_setname_np(pthread_self(), "herald.store.w");
      p->writer_loop();
    });
    s->threads_->reader = std::thread([p = s.get()] {
      pthread_setname_np(pthread_self(), "herald.store.r");
      p->reader_loop();
    });
  }
  return s;
}

store::~store() {
  if (threads_) {
    {
      std::lock_guard lock(threads_->mtx);
      threads_->stopping = true;
    }
    threads_->cv.notify_all();
    if (threads_->writer.joinable()) threads_->writer.join();
    {
      std::lock_guard lock(threads_->rmtx);
      threads_->rstopping = true;
    }
    threads_->rcv.notify_all();
    if (threads_->reader.joinable()) threads_->reader.join();
  }
  if (db_) {
    for (auto* h : cfs_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

// -- writes ----------------------------------------------------------------

batch store::make_batch() {
  batch b;
  b.owner_ = this;
  return b;
}

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

// -- reads -----------------------------------------------------------------

namespace {
// Calls f(key, value) for each key under prefix `p`, in order. An f that
// returns bool stops the scan by returning false.
template <class F>
rocksdb::Status scan(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const std::string& p, F f) {
  auto end = prefix_end(p);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, cf));
  for (it->Seek(p); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size()), v(it->value().data(), it->value().size());
    if constexpr (std::is_same_v<std::invoke_result_t<F&, std::string_view, std::string_view>, bool>) {
      if (!f(k, v)) break;
    } else {
      f(k, v);
    }
  }
  return it->status();
}
}  // namespace

result<std::vector<std::pair<uint64_t, record>>> store::inbox(const std::string& ns, const std::string& user) const {
  std::vector<std::pair<uint64_t, record>> out;
  auto now = wall_ms();
  auto st = scan(*db_, inbox_cf_, prefix(ns, user), [&](std::string_view k, std::string_view v) {
    auto r = decode_record(v);
    if (r && !r->expired(now)) out.emplace_back(seq_of(k), std::move(*r));
  });
  if (!st.ok()) return io_error(st, "read inbox");
  return out;
}

result<std::vector<record>> store::inbox_records(const std::string& ns, const std::string& user,
                                                 const std::vector<uint64_t>& seqs) const {
  std::vector<std::string> keys;
  keys.reserve(seqs.size());
  for (auto s : seqs) keys.push_back(key_seq(ns, user, s));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), inbox_cf_);
  std::vector<std::string> values;
  auto sts = db_->MultiGet(rocksdb::ReadOptions{}, cfs, slices, &values);
  std::vector<record> out;
  out.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (sts[i].IsNotFound()) continue;
    if (!sts[i].ok()) return io_error(sts[i], "read inbox");
    if (auto r = decode_record(values[i])) out.push_back(std::move(*r));
  }
  return out;
}

result<bool> store::has_backlog(const std::string& ns, const std::string& user, const std::string& device) const {
  std::string stored;
  std::optional<cursor> c;
  auto gs = db_->Get(rocksdb::ReadOptions{}, cursors_cf_, key3(ns, user, device), &stored);
  if (gs.ok()) c = decode_cursor(stored);
  else if (!gs.IsNotFound()) return io_error(gs, "read cursor");
  bool found = false;
  auto now = wall_ms();
  auto st = scan(*db_, inbox_cf_, prefix(ns, user), [&](std::string_view k, std::string_view v) {
    auto r = decode_record(v);
    found = r && !r->expired(now) && !(c && c->acked(seq_of(k)));
    return !found;  // the first one answers
  });
  if (!st.ok()) return io_error(st, "read inbox");
  return found;
}

size_t store::raw_inbox_count(const std::string& ns, const std::string& user) const {
  size_t n = 0;
  scan(*db_, inbox_cf_, prefix(ns, user), [&](std::string_view, std::string_view) { ++n; });
  return n;
}

result<std::vector<std::pair<std::string, cursor>>> store::cursors(const std::string& ns, const std::string& user) const {
  std::vector<std::pair<std::string, cursor>> out;
  auto p = prefix(ns, user);
  auto st = scan(*db_, cursors_cf_, p, [&](std::string_view k, std::string_view v) {
    if (auto c = decode_cursor(v)) out.emplace_back(std::string(k.substr(p.size())), std::move(*c));
  });
  if (!st.ok()) return io_error(st, "read cursors");
  return out;
}

result<std::vector<std::pair<uint64_t, record>>> store::history(const std::string& ns, const std::string& room,
                                                                size_t last_n) const {
  std::vector<std::pair<uint64_t, record>> out;
  auto p = prefix(ns, room);
  auto end = prefix_end(p);
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, history_cf_));
  // Newest first from the end of the room's range, then reversed.
  for (it->SeekForPrev(end); it->Valid() && out.size() < last_n; it->Prev()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.compare(0, p.size(), p) != 0) break;
    if (auto r = decode_record(std::string_view(it->value().data(), it->value().size())))
      out.emplace_back(seq_of(k), std::move(*r));
  }
  if (!it->status().ok()) return io_error(it->status(), "read history");
  std::reverse(out.begin(), out.end());
  return out;
}

result<std::optional<counts>> store::receipt(const std::string& ns, const std::string& id) const {
  std::string v;
  auto st = db_->Get(rocksdb::ReadOptions{}, receipts_cf_, key2(ns, id), &v);
  if (st.IsNotFound()) return std::optional<counts>{};
  if (!st.ok()) return io_error(st, "read receipt");
  return decode_counts(v);
}

namespace {
// The distinct second components of the keys under `ns \0`, one seek per
// component: (ns, user, ...) -> user.
rocksdb::Status distinct_names(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const std::string& ns,
                               std::vector<std::string>& out) {
  auto p = prefix(ns);
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions{}, cf));
  it->Seek(p);
  while (it->Valid()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.compare(0, p.size(), p) != 0) break;
    auto end = k.find('\0', p.size());
    if (end == std::string_view::npos) break;
    std::string name(k.substr(p.size(), end - p.size()));
    // Past every key of this name: "ns \0 name \1" sorts after "ns \0 name \0 ...".
    auto next = p + name;
    next.push_back('\1');
    out.push_back(std::move(name));
    it->Seek(next);
  }
  return it->status();
}
}  // namespace

result<store::held_keys> store::keys(const std::string& ns) const {
  held_keys out;
  std::vector<std::string> with_cursors;
  for (auto [cf, list] : {std::pair{inbox_cf_, &out.users}, std::pair{cursors_cf_, &with_cursors},
                          std::pair{history_cf_, &out.rooms}}) {
    auto st = distinct_names(*db_, cf, ns, *list);
    if (!st.ok()) return io_error(st, "list keys");
  }
  out.users.insert(out.users.end(), with_cursors.begin(), with_cursors.end());
  std::sort(out.users.begin(), out.users.end());
  out.users.erase(std::unique(out.users.begin(), out.users.end()), out.users.end());
  return out;
}

// -- namespaces --------------------------------------------------------------

status store::put_namespace(const std::string& name, const std::string& doc) {
  rocksdb::WriteOptions wo;
  wo.sync = true;  // admin changes are rare and must survive a crash
  auto st = db_->Put(wo, ns_cf_, name, doc);
  if (!st.ok()) return io_error(st, "write namespace");
  return ok();
}

status store::delete_namespace(const std::string& name) {
  rocksdb::WriteBatch wb;
  wb.Delete(ns_cf_, name);
  auto from = prefix(name), to = prefix_end(prefix(name));
  for (auto* cf : {inbox_cf_, cursors_cf_, history_cf_, receipts_cf_}) wb.DeleteRange(cf, from, to);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Write(wo, &wb);
  if (!st.ok()) return io_error(st, "delete namespace");
  return ok();
}

result<std::vector<std::pair<std::string, std::string>>> store::namespaces() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}, ns_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out.emplace_back(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) return io_error(it->status(), "read namespaces");
  return out;
}

void store::compact_expired() {
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  db_->CompactRange(co, inbox_cf_, nullptr, nullptr);
  db_->CompactRange(co, receipts_cf_, nullptr, nullptr);
}

}  // namespace herald::storage
