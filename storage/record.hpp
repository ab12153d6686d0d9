#pragma once
// Key layout and value codecs of the store. Pure functions, tested alone.
//
// Keys: components joined by '\0' (names never contain it), sequence numbers
// as 8 big-endian bytes so that prefix iteration runs in publish order.
//   inbox     ns \0 user \0 seq      -> record
//   cursors   ns \0 user \0 device   -> cursor
//   history   ns \0 room \0 seq      -> record
//   receipts  ns \0 message id       -> counts (sent, acked), merged by addition
//   hooks     ns \0 \0 seq          -> a webhook event (JSON text) not yet delivered
//   devices   ns \0 user \0 device   -> device_record, merged field by field
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace herald::storage {

struct record {
  std::string id;
  int64_t ts = 0;
  std::string from;
  std::string room;
  std::string data;        // JSON text
  int64_t expires_at = 0;  // ms since epoch; 0 = never
  bool expired(int64_t now_ms) const { return expires_at != 0 && expires_at <= now_ms; }
};

// A device's ack state: every seq <= upto is acked, and so is each in `above`.
struct cursor {
  uint64_t upto = 0;
  std::set<uint64_t> above;
  bool acked(uint64_t seq) const { return seq <= upto || above.count(seq); }
  // Marks seq acked; `next_unacked_exists(s)` is not needed: callers pass the
  // ordered list of seqs that exist so gaps (expired or never stored) close.
  void ack(uint64_t seq) {
    if (seq > upto) above.insert(seq);
  }
  // Advances `upto` over acked seqs, treating seqs absent from `present`
  // (expired, trimmed) as acked.
  template <class SeqRange>
  void compact(const SeqRange& present) {
    for (auto s : present) {
      if (s <= upto) continue;
      if (!above.count(s)) break;
      upto = s;
    }
    above.erase(above.begin(), above.upper_bound(upto));
  }
};

struct counts {
  uint64_t sent = 0;
  uint64_t acked = 0;
};

// What is known of one device of a user (GET /v1/users/{u}/devices). Also
// a patch: merging keeps the earliest first_seen, the latest times, and
// the strings of the latest connect (meta: the latest given), so connects and disconnects from any
// node (and a handoff's copy) merge in any order without a
// read-modify-write.
struct device_record {
  int64_t first_seen = 0, last_connect = 0, last_disconnect = 0;  // ms since epoch
  std::string node, remote, user_agent;
  std::string meta;  // a JSON object's text, or empty
};
device_record merge(device_record base, const device_record& patch);

std::string key2(std::string_view a, std::string_view b);                  // a \0 b
std::string key3(std::string_view a, std::string_view b, std::string_view c);  // a \0 b \0 c
std::string key_seq(std::string_view a, std::string_view b, uint64_t seq);  // a \0 b \0 be64
std::string prefix(std::string_view a, std::string_view b);                // a \0 b \0
std::string prefix(std::string_view a);                                    // a \0
uint64_t seq_of(std::string_view key);                                     // last 8 bytes

std::string encode(const record& r);
std::optional<record> decode_record(std::string_view v);
// The expiry without decoding the rest (compaction filter).
std::optional<int64_t> expiry_of(std::string_view v);

std::string encode(const cursor& c);
std::optional<cursor> decode_cursor(std::string_view v);

std::string encode(const device_record& d);
std::optional<device_record> decode_device(std::string_view v);

std::string encode(const counts& c);
std::optional<counts> decode_counts(std::string_view v);

// The ms timestamp at the front of a message id ("<11 hex>-..."), if any.
std::optional<int64_t> id_time(std::string_view id);

}  // namespace herald::storage
