#include "actors/user_inbox.hpp"

#include <algorithm>

namespace herald {

storage::record to_record(const message& m, int64_t expires_at) {
  return storage::record{m.id, m.ts, m.from, m.room, m.data, expires_at};
}

message to_message(const storage::record& r) { return message{r.id, r.ts, r.from, r.room, r.data}; }

void user_inbox::load(std::vector<std::pair<uint64_t, storage::record>> entries,
                      std::vector<std::pair<std::string, storage::cursor>> cursors) {
  for (auto& [seq, r] : entries) {
    seq_by_id_[r.id] = seq;
    last_seq_ = std::max(last_seq_, seq);
    auto size = static_cast<uint32_t>(r.data.size());
    entries_.push_back(inbox_entry{seq, std::move(r.id), r.expires_at, size});
  }
  for (auto& [dev, c] : cursors) {
    // A cursor may be ahead of the stored entries (they expired): seqs never reuse.
    last_seq_ = std::max(last_seq_, c.upto);
    if (!c.above.empty()) last_seq_ = std::max(last_seq_, *c.above.rbegin());
    cursors_[dev] = std::move(c);
  }
}

const inbox_entry& user_inbox::append(const std::string& id, int64_t expires_at, uint32_t size) {
  auto seq = ++last_seq_;
  seq_by_id_[id] = seq;
  entries_.push_back(inbox_entry{seq, id, expires_at, size});
  return entries_.back();
}

std::vector<const inbox_entry*> user_inbox::backlog(const std::string& device, int64_t now) const {
  std::vector<const inbox_entry*> out;
  auto c = cursors_.find(device);
  for (auto& e : entries_) {
    if (e.expires_at != 0 && e.expires_at <= now) continue;
    if (c != cursors_.end() && c->second.acked(e.seq)) continue;
    out.push_back(&e);
  }
  return out;
}

std::vector<const inbox_entry*> user_inbox::page(const std::string& device, uint64_t after, int64_t now,
                                                size_t max_bytes, bool& more) const {
  std::vector<const inbox_entry*> out;
  size_t bytes = 0;
  more = false;
  for (auto* e : backlog(device, now)) {
    if (e->seq <= after) continue;
    if (!out.empty() && bytes + e->size > max_bytes) {
      more = true;
      break;
    }
    bytes += e->size;
    out.push_back(e);
  }
  return out;
}

user_inbox::ack_result user_inbox::ack(const std::string& device, const std::vector<std::string>& ids) {
  ack_result r;
  auto& c = cursors_[device];
  for (auto& id : ids) {
    auto i = seq_by_id_.find(id);
    if (i == seq_by_id_.end()) {
      r.unknown.push_back(id);
      continue;
    }
    if (c.acked(i->second)) continue;
    c.ack(i->second);
    r.newly_acked.push_back(id);
    r.changed = true;
  }
  if (r.changed) {
    std::vector<uint64_t> present;
    present.reserve(entries_.size());
    for (auto& e : entries_) present.push_back(e.seq);
    c.compact(present);
  }
  r.cursor = c;
  return r;
}

void user_inbox::drop_expired(int64_t now) {
  auto gone = [now](const inbox_entry& e) { return e.expires_at != 0 && e.expires_at <= now; };
  for (auto& e : entries_)
    if (gone(e)) seq_by_id_.erase(e.id);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), gone), entries_.end());
}

}  // namespace herald
