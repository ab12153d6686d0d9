#include "storage/store.hpp"

#include <algorithm>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

namespace herald::storage {

namespace {
const char* const cf_namespaces = "namespaces";

error io_error(const rocksdb::Status& s, const std::string& what) {
  return error{errc::internal, what + ": " + s.ToString()};
}
}  // namespace

result<std::unique_ptr<store>> store::open(const std::string& dir) { return open_impl(dir, false); }

result<std::unique_ptr<store>> store::open_read_only(const std::string& dir) { return open_impl(dir, true); }

result<std::unique_ptr<store>> store::open_impl(const std::string& dir, bool read_only) {
  std::error_code ec;
  if (!read_only) std::filesystem::create_directories(dir, ec);
  if (ec) return error{errc::internal, "cannot create data_dir " + dir + ": " + ec.message()};
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.keep_log_file_num = 4;
  opts.max_manifest_file_size = 64 << 20;
  // Every column family that exists on disk must be opened; add ours.
  std::vector<std::string> names;
  auto ls = rocksdb::DB::ListColumnFamilies(opts, dir, &names);
  if (!ls.ok()) {
    if (read_only) return io_error(ls, "no herald data in " + dir);
    names = {rocksdb::kDefaultColumnFamilyName};
  }
  for (const char* want : {cf_namespaces})
    if (std::find(names.begin(), names.end(), want) == names.end()) names.push_back(want);
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions{});
  std::unique_ptr<store> s(new store);
  s->dir_ = dir;
  rocksdb::DB* raw = nullptr;
  auto st = read_only ? rocksdb::DB::OpenForReadOnly(opts, dir, descs, &s->cfs_, &raw)
                      : rocksdb::DB::Open(opts, dir, descs, &s->cfs_, &raw);
  if (!st.ok()) {
    if (st.IsIOError() && st.ToString().find("lock") != std::string::npos)
      return error{errc::unavailable,
                   "data_dir " + dir + " is in use by another herald process (" + st.ToString() + ")"};
    return io_error(st, "cannot open RocksDB in " + dir);
  }
  s->db_.reset(raw);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == cf_namespaces) s->ns_cf_ = s->cfs_[i];
  return s;
}

store::~store() {
  if (db_) {
    for (auto* h : cfs_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

status store::put_namespace(const std::string& name, const std::string& doc) {
  rocksdb::WriteOptions wo;
  wo.sync = true;  // admin changes are rare and must survive a crash
  auto st = db_->Put(wo, ns_cf_, name, doc);
  if (!st.ok()) return io_error(st, "write namespace");
  return ok();
}

status store::delete_namespace(const std::string& name) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Delete(wo, ns_cf_, name);
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
