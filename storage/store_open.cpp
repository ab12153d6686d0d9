#include <pthread.h>

#include <algorithm>
#include <filesystem>

#include <rocksdb/db.h>
#include <spdlog/spdlog.h>

#include "storage/rocks.hpp"
#include "storage/store.hpp"
#include "storage/store_threads.hpp"
#include "storage/synced_mark.hpp"

// Opening the store, and what it does with a data_dir that is damaged:
// refuse with a message that says what is wrong and which option accepts
// the loss, or, when the operator chose that, open what can be read and log
// what was lost (docs/storage.md, "Faults").
namespace herald::storage {

using namespace rocks;
namespace fs = std::filesystem;

namespace {
const char* const herald_families[] = {cf_namespaces, cf_inbox, cf_cursors, cf_history, cf_receipts};
// Families newer than the database may be: one missing from an existing
// database is created empty, as for a new one (nothing was lost).
const char* const later_families[] = {cf_hooks, cf_devices};

// Whether `dir` holds (what is left of) a database: then its column
// families must be there, never quietly created empty.
bool holds_database(const std::string& dir) {
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    auto n = e.path().filename().string();
    auto ext = e.path().extension().string();
    if (n == "CURRENT" || n.rfind("MANIFEST-", 0) == 0 || ext == ".sst" || ext == ".log") return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}
}  // namespace

result<std::unique_ptr<store>> store::open(const std::string& dir, store_options opts) {
  return open_impl(dir, false, opts);
}

result<std::unique_ptr<store>> store::open_read_only(const std::string& dir) { return open_impl(dir, true, {}); }

result<std::unique_ptr<store>> store::open_impl(const std::string& dir, bool read_only, store_options sopts) {
  std::error_code ec;
  if (!read_only) fs::create_directories(dir, ec);
  if (ec) {
    auto kind = ec == std::errc::no_space_on_device || ec == std::errc::io_error ? fault::io : fault::unusable;
    return failure{kind, "cannot create data_dir " + dir + ": " + ec.message()};
  }
  std::unique_ptr<store> s(new store);
  s->dir_ = dir;
  s->opts_ = sopts;
  s->threads_ = std::make_unique<threads>();
  s->tuning_ = std::make_unique<rocks::tuning>(sopts.receipt_retention_ms);
  if (!read_only) {
    auto m = synced_mark::open(dir);
    if (!m) return m.err();
    s->mark_ = std::make_unique<synced_mark>(std::move(m.value()));
  }
  if (auto st = s->open_db(read_only); !st) return st.err();
  if (!read_only)
    if (auto st = s->check_recovered(); !st) return st.err();
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

// RocksDB's RepairDB: rebuilds the MANIFEST from the table files and
// replays the logs into new ones; what it cannot read goes to lost/.
status store::repair(const std::string& why) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descs{{rocksdb::kDefaultColumnFamilyName, {}}};
  for (auto* n : herald_families) descs.emplace_back(n, tuning_->family(n));
  for (auto* n : later_families) descs.emplace_back(n, tuning_->family(n));
  auto r = rocksdb::RepairDB(dir_, tuning_->db(opts_.group_commit, true), descs);
  if (!r.ok()) return io_error(r, "cannot repair the database in " + dir_);
  spdlog::warn("store: repaired the database in {} ({}); RocksDB's messages above say what it found, and "
               "what it could not keep is in {}/lost",
               dir_, why, dir_);
  return ok();
}

// The column families to open: the database's, plus herald's that are
// missing where that is allowed (a new data_dir; accept_loss; after a
// repair).
status store::families(bool read_only, std::vector<std::string>& names) {
  auto& dir = dir_;
  auto mode = read_only ? recovery::strict : opts_.on_damage;
  bool existing = holds_database(dir);
  auto opts = tuning_->db(opts_.group_commit);
  std::vector<std::string> missing;
  auto list = [&] {
    names.clear();
    missing.clear();
    auto ls = rocksdb::DB::ListColumnFamilies(opts, dir, &names);
    if (!ls.ok()) names = {rocksdb::kDefaultColumnFamilyName};
    for (const char* want : herald_families)
      if (std::find(names.begin(), names.end(), want) == names.end()) missing.push_back(want);
    return ls;
  };
  auto ls = list();
  if (!ls.ok() && read_only) return io_error(ls, "no herald data in " + dir);
  if (existing && (!ls.ok() || !missing.empty())) {
    // Creating the column families now would open an empty store over the
    // data (what herald did before it checked).
    auto what = !ls.ok() ? "its MANIFEST cannot be read (" + ls.ToString() + ")"
                         : "its MANIFEST lacks the column families " + joined(missing);
    if (mode == recovery::repair) {
      if (auto r = repair(what); !r) return r;
      ls = list();
      if (!ls.ok()) return io_error(ls, "the repaired database in " + dir + " cannot be read");
    } else if (mode == recovery::strict || !ls.ok()) {
      return failure{fault::corrupt, "data_dir " + dir + " holds a database, but " + what +
                                       ". herald will not open it: that would start from an empty store. Start "
                                       "once with --storage.recovery=repair to rebuild the MANIFEST from the table "
                                       "and log files (what cannot be read is lost and logged)."};
    }
    if (!missing.empty() && mode == recovery::repair)
      spdlog::warn("store: the repaired database in {} has no table files of the column families {}: created empty",
                   dir, joined(missing));
    else if (!missing.empty())
      spdlog::warn("store: accepted the loss of the column families {} in {}: created empty", joined(missing), dir);
  }
  for (const char* want : later_families)
    if (std::find(names.begin(), names.end(), want) == names.end()) {
      if (read_only) continue;
      if (existing && ls.ok()) spdlog::info("store: {} gets the column family {} (new in this version)", dir, want);
      missing.push_back(want);
    }
  if (!read_only) names.insert(names.end(), missing.begin(), missing.end());
  return ok();
}

status store::open_db(bool read_only) {
  auto& dir = dir_;
  auto mode = read_only ? recovery::strict : opts_.on_damage;
  std::vector<std::string> names;
  if (auto f = families(read_only, names); !f) return f;
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto& n : names) descs.emplace_back(n, tuning_->family(n));
  auto try_open = [&](bool tolerant) {
    for (auto* h : cfs_) db_->DestroyColumnFamilyHandle(h);
    cfs_.clear();
    db_.reset();
    auto o = tuning_->db(opts_.group_commit, tolerant);
    rocksdb::DB* raw = nullptr;
    auto st = read_only ? rocksdb::DB::OpenForReadOnly(o, dir, descs, &cfs_, &raw)
                        : rocksdb::DB::Open(o, dir, descs, &cfs_, &raw);
    db_.reset(raw);
    return st;
  };
  auto st = try_open(false);
  if (st.IsCorruption() && mode != recovery::strict) {
    spdlog::warn("store: {} is damaged ({}); accepted the loss of what follows the damage", dir, st.ToString());
    st = try_open(true);
    if (st.IsCorruption() && mode == recovery::repair) {
      if (auto r = repair(st.ToString()); !r) return r;
      st = try_open(true);
    }
  }
  if (!st.ok()) {
    if (st.IsIOError() && st.ToString().find("lock") != std::string::npos)
      return failure{fault::busy, "data_dir " + dir + " is in use by another herald process (" + st.ToString() + ")"};
    if (st.IsCorruption())
      return failure{fault::corrupt,
                     "the write-ahead log or a table file in " + dir + " is damaged (" + st.ToString() +
                       "). herald will not open it: the writes after the damage would be dropped. Start with "
                       "--storage.recovery=accept_loss to keep what precedes the damage (the loss is logged), or "
                       "--storage.recovery=repair to also set damaged table files aside."};
    return io_error(st, "cannot open RocksDB in " + dir);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    auto& n = names[i];
    auto* h = cfs_[i];
    if (n == cf_namespaces) ns_cf_ = h;
    else if (n == cf_inbox) inbox_cf_ = h;
    else if (n == cf_cursors) cursors_cf_ = h;
    else if (n == cf_history) history_cf_ = h;
    else if (n == cf_receipts) receipts_cf_ = h;
    else if (n == cf_hooks) hooks_cf_ = h;
    else if (n == cf_devices) devices_cf_ = h;
  }
  if (!ns_cf_) return failure{fault::corrupt, "no herald data in " + dir};
  return ok();
}

// A database that opened to an older state than the one it had synced has
// lost writes that were answered as durable.
status store::check_recovered() {
  auto now = db_->GetLatestSequenceNumber();
  auto had = mark_->recorded();
  if (!had || now >= *had) {
    mark_->note(now);
    mark_->sync();
    return ok();
  }
  auto lost = std::to_string(*had - now);
  if (opts_.on_damage == recovery::strict)
    return failure{fault::corrupt, "data_dir " + dir_ + ": writes are missing: the store had synced " +
                                     std::to_string(*had) + " writes but holds " + std::to_string(now) + " (" + lost +
                                     " messages, acks or receipts lost: the write-ahead log was truncated, removed "
                                     "or damaged). herald will not open it. Start with "
                                     "--storage.recovery=accept_loss to accept the loss."};
  spdlog::warn("store: accepted the loss of {} writes in {} (synced {}, recovered {})", lost, dir_, *had, now);
  return mark_->reset(now);
}

}  // namespace herald::storage
