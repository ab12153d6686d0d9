#pragma once
// Handing a key's durable state to its new owner when placement changes.
// The old owner exports what it stores for a user (inbox records and, per
// device, the ids it acked) or a room (history); the new owner merges that
// into its own state. Merging is by message id, so running a handoff twice
// changes nothing the second time, and in accept-time order, under fresh
// sequence numbers above every one used before (cursors never see a seq
// reused). Pure functions: the user and room actors apply the results.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/message.hpp"
#include "storage/record.hpp"

namespace herald {

struct handoff_record {
  message msg;
  int64_t expires_at = 0;  // ms since epoch; 0 = never
};

struct device_acks {
  std::string device;
  std::vector<std::string> acked;  // ids among the handed records
};

// What travels from the old owner to the new one.
struct handoff_state {
  std::vector<handoff_record> records;  // in the old owner's publish order
  std::vector<device_acks> devices;     // every device the old owner knew
  bool empty() const { return records.empty() && devices.empty(); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handoff_record& x) {
  return f(caf::meta::type_name("herald.handoff_record"), x.msg, x.expires_at);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_acks& x) {
  return f(caf::meta::type_name("herald.device_acks"), x.device, x.acked);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handoff_state& x) {
  return f(caf::meta::type_name("herald.handoff_state"), x.records, x.devices);
}

using seq_records = std::vector<std::pair<uint64_t, storage::record>>;
using device_cursors = std::vector<std::pair<std::string, storage::cursor>>;

// The old owner's side of a user: its unexpired records and its cursors.
handoff_state export_inbox(const seq_records& records, const device_cursors& cursors, int64_t now);

// The new owner's inbox after a merge, to be written in place of the old.
struct inbox_rewrite {
  std::vector<uint64_t> erase;  // seqs of the inbox before the merge
  seq_records put;              // the whole inbox, in accept-time order, under new seqs
  device_cursors cursors;       // every device of either side
  size_t added = 0;             // records that were new here
  std::vector<uint64_t> added_seqs;  // their seqs in `put`, ascending
};

// Merges `in` into the inbox (`records`, `cursors`, `last_seq`: the highest
// seq ever used). A device has acked a record when either side says so.
// Nothing when `in` brings no record, device or ack this inbox lacks.
std::optional<inbox_rewrite> merge_inbox(const seq_records& records, const device_cursors& cursors,
                                         uint64_t last_seq, const handoff_state& in, int64_t now);

// The old owner's side of a room: its history, oldest first.
handoff_state export_history(const seq_records& history);

struct history_rewrite {
  uint64_t keep_from = 0;  // delete every record of the room below this seq
  seq_records put;         // the room's history, oldest first, under new seqs
  size_t added = 0;
};

// Merges `in` into a room's history, keeping the newest `limit` by accept time.
std::optional<history_rewrite> merge_history(const seq_records& history, uint64_t last_seq,
                                             const handoff_state& in, size_t limit);

}  // namespace herald
