#pragma once
// The node's embedded RocksDB. storage/ knows nothing of actors or sockets:
// it stores bytes under keys in column families and reports failures as
// values. One process holds a data_dir at a time (RocksDB's LOCK file).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/errors.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace herald::storage {

class store {
 public:
  // Opens (creating when missing) the database under `dir`. Fails with a
  // clear message when another process holds it.
  static result<std::unique_ptr<store>> open(const std::string& dir);
  // Opens an existing database for reading only; works while a node holds
  // it (tools such as `herald token`). Writes fail.
  static result<std::unique_ptr<store>> open_read_only(const std::string& dir);
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // Namespaces: name -> settings document (opaque bytes to this layer).
  status put_namespace(const std::string& name, const std::string& doc);
  status delete_namespace(const std::string& name);
  result<std::vector<std::pair<std::string, std::string>>> namespaces() const;

  const std::string& dir() const { return dir_; }

 private:
  store() = default;
  static result<std::unique_ptr<store>> open_impl(const std::string& dir, bool read_only);
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  rocksdb::ColumnFamilyHandle* ns_cf_ = nullptr;
};

}  // namespace herald::storage
