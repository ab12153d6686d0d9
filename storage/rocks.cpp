#include "storage/rocks.hpp"

#include <chrono>
#include <cstring>

#include <cstdarg>

#include <rocksdb/env.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice_transform.h>
#include <spdlog/spdlog.h>

#include "storage/record.hpp"

namespace herald::storage::rocks {

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

failure io_error(const rocksdb::Status& s, const std::string& what) {
  return failure{s.IsCorruption() ? fault::corrupt : fault::io, what + ": " + s.ToString()};
}

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


namespace {
// RocksDB's messages go to herald's log, not to a LOG file in data_dir.
// Two reasons: an operator reads one log, where a RocksDB error (a failed
// write, a damaged file) is next to herald's; and on a full disk, the LOG
// file's writer fails first and RocksDB then logs the write error through
// that failed writer, which trips an assertion in Debian's build (a crash,
// and a crash loop on restart). Its info messages (flushes, compactions)
// show at log_level debug.
class herald_log : public rocksdb::Logger {
 public:
  herald_log()
    : rocksdb::Logger(spdlog::should_log(spdlog::level::debug) ? rocksdb::InfoLogLevel::INFO_LEVEL
                                                               : rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(buf, sizeof buf, format, copy);
    va_end(copy);
    if (n < 0) return;
    auto lvl = level >= rocksdb::InfoLogLevel::ERROR_LEVEL  ? spdlog::level::err
               : level == rocksdb::InfoLogLevel::WARN_LEVEL ? spdlog::level::warn
                                                            : spdlog::level::debug;
    spdlog::log(lvl, "rocksdb: {}", std::string_view(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1)));
  }
};

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

// Device records are patched from any node (connect, disconnect): merging
// applies the patch field by field (storage/record.hpp).
class device_merge_operator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    device_record base;
    if (existing)
      if (auto d = decode_device(std::string_view(existing->data(), existing->size()))) base = std::move(*d);
    if (auto d = decode_device(std::string_view(value.data(), value.size()))) base = merge(std::move(base), *d);
    *new_value = encode(base);
    return true;
  }
  const char* Name() const override { return "herald.device_merge"; }
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

}  // namespace

tuning::tuning(int64_t receipt_retention_ms)
  : inbox_filter_(std::make_unique<expired_filter>()),
    receipt_filter_(std::make_unique<old_receipt_filter>(receipt_retention_ms)) {}
tuning::~tuning() = default;

rocksdb::DBOptions tuning::db(bool group_commit, bool tolerant) const {
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  // RocksDB's default level is DEBUG unless NDEBUG is defined (herald keeps
  // its asserts): every group commit then logged "FlushWAL sync=false"
  // (4 % of herald's instructions per push, callgrind). Info and up.
  opts.info_log_level = rocksdb::InfoLogLevel::INFO_LEVEL;
  opts.info_log = std::make_shared<herald_log>();
  opts.wal_recovery_mode = tolerant ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                    : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  opts.max_manifest_file_size = 64 << 20;
  // All memtables together, whatever the number of column families.
  opts.db_write_buffer_size = 64 << 20;
  // The writer thread flushes the WAL once per group (store::writer_loop):
  // without this, each batch of a group was its own write(2) to the log.
  opts.manual_wal_flush = group_commit;
  return opts;
}

rocksdb::ColumnFamilyOptions tuning::family(const std::string& name) const {
  rocksdb::ColumnFamilyOptions co;
  if (name == cf_inbox) co.compaction_filter = inbox_filter_.get();
  if (name == cf_devices) co.merge_operator = std::make_shared<device_merge_operator>();
  if (name == cf_receipts) {
    co.memtable_insert_with_hint_prefix_extractor = std::make_shared<receipt_hint>();
    co.merge_operator = std::make_shared<add_counts_operator>();
    co.compaction_filter = receipt_filter_.get();
  }
  return co;
}

}  // namespace herald::storage::rocks
