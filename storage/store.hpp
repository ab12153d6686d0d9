#pragma once
// The node's embedded RocksDB. storage/ knows nothing of actors or sockets:
// it stores records under keys in column families (layout in record.hpp and
// docs/storage.md) and reports failures as values.
//
// Threads: writes go through one writer thread that group-commits: it takes
// every batch queued meanwhile, writes them, syncs the WAL once and then runs
// their callbacks. Reads run on one reader thread (`read`). Callers (actors,
// Asio handlers) never wait on the disk.
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/record.hpp"
#include "storage/result.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace herald::storage {

namespace rocks {
class tuning;
}
class synced_mark;

// What opening does with a data_dir whose data is damaged or incomplete
// (docs/storage.md, "Faults").
enum class recovery {
  strict,       // refuse to open, with a message that says what is wrong
  accept_loss,  // open what can be read and log what was lost
  repair,       // rebuild an unreadable MANIFEST from the table and log
                // files (RocksDB's RepairDB), then as accept_loss
};

struct store_options {
  bool group_commit = true;  // false: one WAL sync per batch (for comparison)
  recovery on_damage = recovery::strict;
  // Run on the writer thread: when writes start or stop being refused
  // (a write fault and its recovery), and for each batch that failed.
  std::function<void(bool writable)> on_writable;
  std::function<void()> on_write_error;
  int64_t receipt_retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t sweep_interval_ms = 3600LL * 1000;  // compaction that drops expired records
  // Reads and commits run on the calling thread, each when it is asked
  // for: nothing runs behind the caller's back (deterministic actor tests
  // under CAF's test coordinator). Callers then wait on the disk.
  bool inline_io = false;
};

class store;

// Changes that commit together.
class batch {
 public:
  batch();
  ~batch();
  batch(batch&&) noexcept;
  batch& operator=(batch&&) noexcept;
  void put_inbox(const std::string& ns, const std::string& user, uint64_t seq, const record& r);
  void delete_inbox(const std::string& ns, const std::string& user, uint64_t seq);
  void put_cursor(const std::string& ns, const std::string& user, const std::string& device, const cursor& c);
  void delete_cursor(const std::string& ns, const std::string& user, const std::string& device);
  void put_history(const std::string& ns, const std::string& room, uint64_t seq, const record& r);
  // Deletes the room's history records with seq < keep_from.
  void trim_history(const std::string& ns, const std::string& room, uint64_t keep_from);
  void add_counts(const std::string& ns, const std::string& id, counts c);
  // A namespace's webhook events waiting for their receiver, by seq.
  void put_hook(const std::string& ns, uint64_t seq, const std::string& event);
  void delete_hook(const std::string& ns, uint64_t seq);
  // Deletes the events from <= seq <= to (one range tombstone: a delivered
  // batch, which is contiguous but for events already dropped).
  void delete_hooks(const std::string& ns, uint64_t from, uint64_t to);
  // Patches a device's record (merged field by field); deletes it.
  void patch_device(const std::string& ns, const std::string& user, const std::string& device, const device_record& d);
  void delete_device(const std::string& ns, const std::string& user, const std::string& device);
  bool empty() const;
  // Written to the WAL without waiting for its sync. For counts
  // (receipts) and device visits, not for messages. Committed without a
  // callback it may wait up to 2 ms for company (storage/store_io.cpp):
  // read_after_writes sees it, and a crash of the process may lose it.
  void relax() { relaxed_ = true; }
  bool relaxed() const { return relaxed_; }

 private:
  friend class store;
  store* owner_ = nullptr;
  std::unique_ptr<rocksdb::WriteBatch> wb_;
  bool relaxed_ = false;
};

class store {
 public:
  // Opens (creating when missing) the database under `dir`. Fails with a
  // clear message when another process holds it.
  static result<std::unique_ptr<store>> open(const std::string& dir, store_options opts = {});
  // Opens an existing database for reading only; works while a node holds
  // it (tools such as `herald token`). Writes fail.
  static result<std::unique_ptr<store>> open_read_only(const std::string& dir);
  // Drains the write queue, then closes.
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  batch make_batch();
  // False while a write fault lasts (a full disk, an I/O error): every
  // write then fails at once without touching RocksDB, and the writer
  // thread tries to resume every second (RocksDB's own recovery from a
  // full disk waits for free space). Reads go on.
  bool writable() const;
  // The failure every write gets while writes are refused.
  std::optional<failure> refusal() const;
  // Merges `patch` into a device's record, without waiting and without a
  // WAL sync (what a device did, not a message); skipped during a write
  // fault, a failure counted by the store.
  void note_device(const std::string& ns, const std::string& user, const std::string& device,
                   const device_record& patch);
  // Queues `b`; `done` runs on the writer thread once it is durable (WAL synced).
  void commit(batch b, std::function<void(status)> done);
  // Writes and syncs `b` now, on the calling thread.
  status commit_now(batch b);
  // Blocks until every queued read has run and every queued write has been
  // committed and its callback run.
  void drain();
  // Runs `fn` on the reader thread.
  void read(std::function<void()> fn);
  // Runs `fn` on the reader thread once every write queued before this
  // call has been applied (failed or not): a read that must see writes
  // whose commit nobody waited for (the receipt counts of live-only pushes).
  void read_after_writes(std::function<void()> fn);

  // Blocking reads: call them from `read` (or in tests).
  result<std::vector<std::pair<uint64_t, record>>> inbox(const std::string& ns, const std::string& user) const;
  // The inbox records with these seqs (absent ones are skipped), in seq order.
  result<std::vector<record>> inbox_records(const std::string& ns, const std::string& user,
                                            const std::vector<uint64_t>& seqs) const;
  result<std::vector<std::pair<std::string, cursor>>> cursors(const std::string& ns, const std::string& user) const;
  result<std::vector<std::pair<uint64_t, record>>> history(const std::string& ns, const std::string& room,
                                                           size_t last_n) const;
  result<std::optional<counts>> receipt(const std::string& ns, const std::string& id) const;
  // A user's device records, by device id.
  result<std::vector<std::pair<std::string, device_record>>> devices(const std::string& ns, const std::string& user) const;
  // Every (user, device) of `ns` not seen (connected or disconnected) since
  // `before_ms`.
  result<std::vector<std::pair<std::string, std::string>>> idle_devices(const std::string& ns, int64_t before_ms) const;
  // The namespace's webhook events still waiting, in seq order.
  result<std::vector<std::pair<uint64_t, std::string>>> hooks(const std::string& ns) const;
  // Every user with inbox records or cursors, and every room with history,
  // in `ns`: what a node holds, for handing keys to their owners.
  struct held_keys {
    std::vector<std::string> users, rooms;
  };
  result<held_keys> keys(const std::string& ns) const;

  // Namespaces: name -> settings document (opaque bytes to this layer).
  status put_namespace(const std::string& name, const std::string& doc);
  status delete_namespace(const std::string& name);  // and all its data
  result<std::vector<std::pair<std::string, std::string>>> namespaces() const;

  // Whether `device` of (ns, user) has a backlog to replay: an unexpired
  // inbox record its stored cursor does not cover (every one, for a device
  // without a cursor). Stops at the first such record.
  result<bool> has_backlog(const std::string& ns, const std::string& user, const std::string& device) const;
  // Diagnostics: inbox records on disk for (ns, user), expired ones included.
  size_t raw_inbox_count(const std::string& ns, const std::string& user) const;
  // Runs the compactions that drop expired inbox records and old receipts.
  void compact_expired();

  const std::string& dir() const { return dir_; }

 private:
  struct threads;
  store() = default;
  static result<std::unique_ptr<store>> open_impl(const std::string& dir, bool read_only, store_options opts);
  status open_db(bool read_only);
  status families(bool read_only, std::vector<std::string>& names);
  status repair(const std::string& why);
  status check_recovered();
  void writer_loop();
  struct job;
  void commit_group(std::deque<job>& jobs);
  void commit_each(std::deque<job>& jobs);
  void finish_job(job& j, const std::optional<failure>& f);
  // The writer thread's side of a write fault.
  void refuse_writes(const failure& f);
  void try_resume();
  void note_synced();
  void reader_loop();

  std::string dir_;
  store_options opts_;
  std::unique_ptr<rocks::tuning> tuning_;  // declared before db_: RocksDB uses its filters until closed
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  rocksdb::ColumnFamilyHandle* ns_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* inbox_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* cursors_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* history_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* receipts_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* hooks_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* devices_cf_ = nullptr;  // absent in a read-only open of an older database
  std::unique_ptr<threads> threads_;
  std::unique_ptr<synced_mark> mark_;  // none when read-only
  friend class batch;
};

}  // namespace herald::storage
