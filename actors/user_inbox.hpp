#pragma once
// A user's durable inbox as the user actor holds it in memory: an index of
// entries (seq, id, expiry) in publish order, and one ack cursor per device.
// Payloads stay in the store: memory per entry is a few dozen bytes whatever
// the message size. Pure: the actor persists what this class says changed.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/message.hpp"
#include "storage/record.hpp"

namespace herald {

struct inbox_entry {
  uint64_t seq = 0;
  std::string id;
  int64_t expires_at = 0;  // ms since epoch
  uint32_t size = 0;       // payload bytes, for paging replays
};

class user_inbox {
 public:
  void load(std::vector<std::pair<uint64_t, storage::record>> entries,
            std::vector<std::pair<std::string, storage::cursor>> cursors);
  // Appends; returns the new entry (its seq follows every seq seen so far).
  const inbox_entry& append(const std::string& id, int64_t expires_at, uint32_t size = 0);
  // What `device` has not acked and that has not expired, in publish order.
  std::vector<const inbox_entry*> backlog(const std::string& device, int64_t now) const;
  // One page of that backlog after seq `after`: entries until their sizes
  // exceed max_bytes (at least one). `more` tells whether entries remain.
  std::vector<const inbox_entry*> page(const std::string& device, uint64_t after, int64_t now,
                                       size_t max_bytes, bool& more) const;

  struct ack_result {
    std::vector<std::string> newly_acked;  // inbox ids this device had not acked
    std::vector<std::string> unknown;      // ids not in the inbox (live-only or expired)
    bool changed = false;                  // cursor must be persisted
    storage::cursor cursor;
  };
  ack_result ack(const std::string& device, const std::vector<std::string>& ids);
  // Forgets a device's cursor (its record was deleted).
  void forget_device(const std::string& device) { cursors_.erase(device); }
  // Forgets expired entries (the store drops them at compaction).
  void drop_expired(int64_t now);

  size_t size() const { return entries_.size(); }
  uint64_t last_seq() const { return last_seq_; }
  bool knows_device(const std::string& device) const { return cursors_.count(device) > 0; }
  // The devices with an ack cursor (every device that ever acked).
  std::vector<std::string> devices() const {
    std::vector<std::string> out;
    out.reserve(cursors_.size());
    for (auto& kv : cursors_) out.push_back(kv.first);
    return out;
  }
  bool acked(const std::string& device, uint64_t seq) const {
    auto c = cursors_.find(device);
    return c != cursors_.end() && c->second.acked(seq);
  }

 private:
  std::vector<inbox_entry> entries_;  // not a deque: those allocate 512 B even when empty
  std::unordered_map<std::string, uint64_t> seq_by_id_;
  std::unordered_map<std::string, storage::cursor> cursors_;
  uint64_t last_seq_ = 0;
};

storage::record to_record(const message& m, int64_t expires_at);
message to_message(const storage::record& r);

}  // namespace herald
