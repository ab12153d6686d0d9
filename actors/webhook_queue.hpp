#pragma once
// One namespace's webhook events on this node, waiting for their receiver,
// as its webhook actor holds them: in seq order, each already in the store
// (an event enters only once it is durable). One batch is in flight at a
// time, so the receiver sees events in the order they were emitted, and a
// failed batch is posted again, with backoff, until it is acknowledged or
// its events are older than the retry time. Bounded in bytes: beyond, the
// oldest events that are not in flight are dropped, and the caller counts
// and logs them. Pure: the caller passes the time and the randomness.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace herald {

class webhook_queue {
 public:
  struct event {
    uint64_t seq = 0;
    int64_t at_ms = 0;  // when it was emitted
    std::string text;   // the event's JSON object
  };
  struct bounds {
    size_t max_bytes = 16 << 20;
    int64_t retry_ms = 3600 * 1000;  // how long an event is retried
    size_t batch = 100;              // events per POST
  };

  webhook_queue() = default;
  explicit webhook_queue(bounds b) : bounds_(b) {}
  void set_bounds(bounds b) { bounds_ = b; }

  // Appends an event that is stored; returns the seqs of the events
  // dropped to stay within max_bytes (the new one among them when it is
  // larger than the whole bound).
  std::vector<uint64_t> push(event e);
  // Drops the events, not in flight, emitted more than retry_ms before
  // `now`; returns their seqs.
  std::vector<uint64_t> expire(int64_t now);

  bool in_flight() const { return in_flight_ > 0; }
  // The next batch to post ({"events":[...]}), empty when there is
  // nothing to post or a batch is in flight already.
  std::string take_batch();
  // The seqs of the batch in flight.
  std::vector<uint64_t> in_flight_seqs() const;
  // The receiver acknowledged the batch in flight: its events go; returns
  // their seqs (to delete from the store).
  std::vector<uint64_t> delivered();
  // The batch in flight failed: it is posted again after the returned
  // delay (ms): 0.5 s doubling to at most 5 min, with jitter, `random`
  // being uniform in [0, 1).
  int64_t failed(double random);
  uint32_t attempts() const { return attempts_; }

  size_t size() const { return events_.size(); }
  size_t bytes() const { return bytes_; }
  // When the oldest waiting event was emitted (0 when there is none).
  int64_t oldest_ms() const { return events_.empty() ? 0 : events_.front().at_ms; }

 private:
  bounds bounds_;
  std::deque<event> events_;
  size_t bytes_ = 0;
  size_t in_flight_ = 0;  // the first in_flight_ events are posted
  uint32_t attempts_ = 0;
};

}  // namespace herald
