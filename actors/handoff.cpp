#include "actors/handoff.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "actors/user_inbox.hpp"

namespace herald {

namespace {

bool live(const storage::record& r, int64_t now) { return r.expires_at == 0 || r.expires_at > now; }

bool earlier(const storage::record& a, const storage::record& b) {
  return a.ts != b.ts ? a.ts < b.ts : a.id < b.id;
}

std::unordered_set<std::string> ids_of(const seq_records& rs) {
  std::unordered_set<std::string> out;
  for (auto& [seq, r] : rs) out.insert(r.id);
  return out;
}

// Both sides' records, each id once, in accept-time order.
std::vector<storage::record> union_by_id(const seq_records& mine, const handoff_state& in) {
  std::vector<storage::record> all;
  auto ids = ids_of(mine);
  for (auto& [seq, r] : mine) all.push_back(r);
  for (auto& h : in.records)
    if (ids.insert(h.msg.id).second) all.push_back(to_record(h.msg, h.expires_at));
  std::stable_sort(all.begin(), all.end(), earlier);
  return all;
}

// How many of `put` are not among `before`.
size_t count_new(const seq_records& put, const seq_records& before) {
  auto ids = ids_of(before);
  size_t n = 0;
  for (auto& [seq, r] : put) n += ids.count(r.id) == 0;
  return n;
}

}  // namespace

handoff_state export_inbox(const seq_records& records, const device_cursors& cursors, int64_t now) {
  handoff_state out;
  for (auto& [seq, r] : records)
    if (live(r, now)) out.records.push_back({to_message(r), r.expires_at});
  for (auto& [device, c] : cursors) {
    device_acks d{device, {}};
    for (auto& [seq, r] : records)
      if (live(r, now) && c.acked(seq)) d.acked.push_back(r.id);
    out.devices.push_back(std::move(d));
  }
  return out;
}

std::optional<inbox_rewrite> merge_inbox(const seq_records& records, const device_cursors& cursors,
                                         uint64_t last_seq, const handoff_state& in, int64_t now) {
  // Per device, the ids acked on either side.
  std::map<std::string, std::unordered_set<std::string>> acked;
  for (auto& [device, c] : cursors) {
    auto& set = acked[device];
    for (auto& [seq, r] : records)
      if (c.acked(seq)) set.insert(r.id);
  }
  bool changed = false;
  for (auto& d : in.devices) {
    auto [it, fresh] = acked.try_emplace(d.device);
    changed |= fresh;
    for (auto& id : d.acked) changed |= it->second.insert(id).second;
  }
  inbox_rewrite out;
  uint64_t seq = last_seq;
  for (auto& r : union_by_id(records, in))
    if (live(r, now)) out.put.emplace_back(++seq, std::move(r));
  auto before = ids_of(records);
  for (auto& [s, r] : out.put)
    if (!before.count(r.id)) out.added_seqs.push_back(s);
  out.added = out.added_seqs.size();
  if (!changed && out.added == 0) return std::nullopt;
  for (auto& [s, r] : records) out.erase.push_back(s);
  for (auto& [device, ids] : acked) {
    // Everything up to the old last seq is gone from this inbox: acked.
    storage::cursor c;
    c.upto = last_seq;
    for (auto& [s, r] : out.put)
      if (ids.count(r.id)) c.ack(s);
    std::vector<uint64_t> present;
    for (auto& [s, r] : out.put) present.push_back(s);
    c.compact(present);
    out.cursors.emplace_back(device, std::move(c));
  }
  return out;
}

handoff_state export_history(const seq_records& history) {
  handoff_state out;
  for (auto& [seq, r] : history) out.records.push_back({to_message(r), 0});
  return out;
}

std::optional<history_rewrite> merge_history(const seq_records& history, uint64_t last_seq,
                                             const handoff_state& in, size_t limit) {
  history_rewrite out;
  auto all = union_by_id(history, in);
  if (all.size() > limit) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(limit));
  out.keep_from = last_seq + 1;
  uint64_t seq = last_seq;
  for (auto& r : all) out.put.emplace_back(++seq, std::move(r));
  out.added = count_new(out.put, history);
  if (out.added == 0) return std::nullopt;
  return out;
}

}  // namespace herald
