#include "storage/store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "storage/rocks.hpp"
#include "storage/store_threads.hpp"
#include "storage/synced_mark.hpp"

// Closing the store, its batches, and the namespaces' writes (opening is
// storage/store_open.cpp).
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
void batch::put_hook(const std::string& ns, uint64_t seq, const std::string& event) {
  wb_->Put(owner_->hooks_cf_, key_seq(ns, "", seq), event);
}
void batch::delete_hooks(const std::string& ns, uint64_t from, uint64_t to) {
  if (from <= to) wb_->DeleteRange(owner_->hooks_cf_, key_seq(ns, "", from), key_seq(ns, "", to + 1));
}
void batch::delete_hook(const std::string& ns, uint64_t seq) { wb_->Delete(owner_->hooks_cf_, key_seq(ns, "", seq)); }
void batch::patch_device(const std::string& ns, const std::string& user, const std::string& device,
                         const device_record& d) {
  wb_->Merge(owner_->devices_cf_, key3(ns, user, device), encode(d));
}
void batch::delete_device(const std::string& ns, const std::string& user, const std::string& device) {
  wb_->Delete(owner_->devices_cf_, key3(ns, user, device));
}
bool batch::empty() const { return wb_->Count() == 0; }

// -- close -----------------------------------------------------------------

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
    // A clean stop leaves everything in table files: the next start
    // replays no log, and RocksDB's RepairDB, which cannot place a log's
    // records without the MANIFEST, has nothing to lose.
    if (mark_ && writable())
      if (auto st = db_->Flush(rocksdb::FlushOptions{}, cfs_); !st.ok())
        spdlog::warn("store: flushing the memtables at close failed ({}): the next start replays the log",
                     st.ToString());
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

void store::note_device(const std::string& ns, const std::string& user, const std::string& device,
                        const device_record& patch) {
  if (!writable()) return;  // a write fault: the record misses this visit
  auto b = make_batch();
  b.patch_device(ns, user, device, patch);
  b.relax();
  commit(std::move(b), nullptr);
}

status store::put_namespace(const std::string& name, const std::string& doc) {
  if (auto f = refusal()) return *f;
  rocksdb::WriteOptions wo;
  wo.sync = true;  // admin changes are rare and must survive a crash
  auto st = db_->Put(wo, ns_cf_, name, doc);
  if (!st.ok()) return io_error(st, "write namespace");
  return ok();
}

status store::delete_namespace(const std::string& name) {
  if (auto f = refusal()) return *f;
  rocksdb::WriteBatch wb;
  wb.Delete(ns_cf_, name);
  auto from = prefix(name), to = prefix_end(prefix(name));
  for (auto* cf : {inbox_cf_, cursors_cf_, history_cf_, receipts_cf_, hooks_cf_, devices_cf_})
    if (cf) wb.DeleteRange(cf, from, to);
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
