#include "storage/store.hpp"

#include <pthread.h>

#include <algorithm>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/rocks.hpp"
#include "storage/store_threads.hpp"

// Opening and closing the store, its batches, and the namespaces' writes.
namespace herald::storage {

using namespace rocks;

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
  s->tuning_ = std::make_unique<rocks::tuning>(sopts.receipt_retention_ms);
  auto opts = s->tuning_->db(sopts.group_commit);
  std::vector<std::string> names;
  auto ls = rocksdb::DB::ListColumnFamilies(opts, dir, &names);
  if (!ls.ok()) {
    if (read_only) return io_error(ls, "no herald data in " + dir);
    names = {rocksdb::kDefaultColumnFamilyName};
  }
  for (const char* want : {cf_namespaces, cf_inbox, cf_cursors, cf_history, cf_receipts})
    if (std::find(names.begin(), names.end(), want) == names.end() && !read_only) names.push_back(want);
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto& n : names) descs.emplace_back(n, s->tuning_->family(n));
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

}  // namespace herald::storage
