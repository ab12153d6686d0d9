#pragma once
// Internal to storage/: herald's RocksDB settings in one place (the
// options, the column families with their merge operator, compaction
// filters and memtable hint) and the small helpers the store's files
// share. Nothing outside storage/ includes it.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "storage/result.hpp"

namespace herald::storage::rocks {


inline const char* const cf_namespaces = "namespaces";
inline const char* const cf_inbox = "inbox";
inline const char* const cf_cursors = "cursors";
inline const char* const cf_history = "history";
inline const char* const cf_receipts = "receipts";
// Added after the first release: created in a database that lacks it.
inline const char* const cf_hooks = "hooks";
inline const char* const cf_devices = "devices";


int64_t wall_ms();
failure io_error(const rocksdb::Status& s, const std::string& what);
// Upper bound for iterating keys that start with `p`.
std::string prefix_end(std::string p);

// The options of the database and of each column family. The filters it
// hands to RocksDB live as long as it does: keep it beside the DB.
class tuning {
 public:
  explicit tuning(int64_t receipt_retention_ms);
  ~tuning();
  // `tolerant`: replay the write-ahead log up to its first damaged record
  // and drop the rest (point-in-time recovery), else refuse to open on a
  // damaged record (only an incomplete last record, as a crash leaves, is
  // tolerated).
  rocksdb::DBOptions db(bool group_commit, bool tolerant = false) const;
  rocksdb::ColumnFamilyOptions family(const std::string& name) const;

 private:
  std::unique_ptr<rocksdb::CompactionFilter> inbox_filter_, receipt_filter_;
};

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

}  // namespace herald::storage::rocks
