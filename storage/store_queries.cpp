#include <algorithm>

#include <rocksdb/db.h>

#include "storage/rocks.hpp"
#include "storage/store.hpp"

// The store's domain reads: inboxes, cursors, history, receipts, the keys
// a node holds, and the compaction that drops what expired.
namespace herald::storage {

using rocks::io_error;
using rocks::prefix_end;
using rocks::scan;
using rocks::wall_ms;


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

result<std::vector<std::pair<std::string, device_record>>> store::devices(const std::string& ns,
                                                                         const std::string& user) const {
  std::vector<std::pair<std::string, device_record>> out;
  if (!devices_cf_) return out;
  auto p = prefix(ns, user);
  auto st = scan(*db_, devices_cf_, p, [&](std::string_view k, std::string_view v) {
    if (auto d = decode_device(v)) out.emplace_back(std::string(k.substr(p.size())), std::move(*d));
  });
  if (!st.ok()) return io_error(st, "read device records");
  return out;
}

result<std::vector<std::pair<std::string, std::string>>> store::idle_devices(const std::string& ns,
                                                                            int64_t before_ms) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!devices_cf_) return out;
  auto p = prefix(ns);
  auto st = scan(*db_, devices_cf_, p, [&](std::string_view k, std::string_view v) {
    auto d = decode_device(v);
    if (!d || std::max(d->last_connect, d->last_disconnect) >= before_ms) return;
    auto rest = k.substr(p.size());
    auto sep = rest.find('\0');
    if (sep == std::string_view::npos) return;
    out.emplace_back(std::string(rest.substr(0, sep)), std::string(rest.substr(sep + 1)));
  });
  if (!st.ok()) return io_error(st, "read device records");
  return out;
}

result<std::vector<std::pair<uint64_t, std::string>>> store::hooks(const std::string& ns) const {
  std::vector<std::pair<uint64_t, std::string>> out;
  if (!hooks_cf_) return out;
  auto st = scan(*db_, hooks_cf_, prefix(ns, ""), [&](std::string_view k, std::string_view v) {
    out.emplace_back(seq_of(k), std::string(v));
  });
  if (!st.ok()) return io_error(st, "read webhook events");
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
  std::vector<std::string> with_cursors, with_devices;
  for (auto [cf, list] : {std::pair{inbox_cf_, &out.users}, std::pair{cursors_cf_, &with_cursors},
                          std::pair{history_cf_, &out.rooms}, std::pair{devices_cf_, &with_devices}}) {
    if (!cf) continue;
    auto st = distinct_names(*db_, cf, ns, *list);
    if (!st.ok()) return io_error(st, "list keys");
  }
  out.users.insert(out.users.end(), with_cursors.begin(), with_cursors.end());
  out.users.insert(out.users.end(), with_devices.begin(), with_devices.end());
  std::sort(out.users.begin(), out.users.end());
  out.users.erase(std::unique(out.users.begin(), out.users.end()), out.users.end());
  return out;
}

// -- namespaces --------------------------------------------------------------

void store::compact_expired() {
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  db_->CompactRange(co, inbox_cf_, nullptr, nullptr);
  db_->CompactRange(co, receipts_cf_, nullptr, nullptr);
}

}  // namespace herald::storage
