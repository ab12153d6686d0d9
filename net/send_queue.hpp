#pragma once
// The bounded write queue of one WebSocket: frames come from any thread
// (actors, the socket's own reader), the socket's thread takes them in
// batches. Pure (a mutex, no sockets): ws_session drives it, Catch2 tests it.
//
// One bound for everything queued: a frame costs its bytes plus a fixed
// cost for its entry, pongs, pings and text alike, so no stream of frames
// (a client that sends pings and never reads, say) can grow the queue past
// it. Only the close frame goes in beyond the bound: it is the last one.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "actors/message.hpp"

namespace herald {

class send_queue {
 public:
  struct frame {
    frame_ptr data;
    uint8_t op;  // ws::opcode
    // When set, the frame's payload is head + data + "]": a Socket.IO
    // event around a message encoded once for every recipient (the head,
    // `4` + `2/ns,["message",`, is its socket's), so no recipient copies it.
    frame_ptr head = {};
    // Part of a big fan-out: counted in the node's delivery backlog
    // (net/backlog_gate.hpp) until taken.
    bool bulk = false;
  };
  // The bytes of f's payload.
  static size_t payload_size(const frame& f) { return f.data->size() + (f.head ? f.head->size() + 1 : 0); }
  // What an entry costs beyond its bytes: the entry, its header, the
  // shared string's control block.
  static constexpr size_t entry_cost = sizeof(frame) + 32;

  enum class pushed {
    wake,     // queued, and the writer must be woken (no wake is pending)
    queued,   // queued; a wake is pending already
    full,     // over the bound: everything queued was dropped, nothing more is taken
    refused,  // not taking frames (full before, or closing)
  };

  // Queues `f` within `bound` bytes (the node's limits.send_queue: passed
  // in, not kept, as every connection holds one queue). A frame larger
  // than the bound is taken while the queue is empty (the bound limits
  // backlog, not message size).
  pushed push(frame_ptr data, uint8_t op, size_t bound, frame_ptr head = {}, bool bulk = false) {
    std::lock_guard lock(mtx_);
    if (refusing_) return pushed::refused;
    auto cost = data->size() + entry_cost + (head ? head->size() + 1 : 0);
    if (bytes_ + cost > bound && head_ < q_.size()) {
      refusing_ = true;
      clear();
      return pushed::full;
    }
    bytes_ += cost;
    q_.push_back(frame{std::move(data), op, std::move(head), bulk});
    bulk_ += bulk;
    if (wake_pending_) return pushed::queued;
    wake_pending_ = true;
    return pushed::wake;
  }

  // Stops taking frames; `drop` also forgets what is queued (a full queue's
  // close need not wait behind it).
  void refuse(bool drop) {
    std::lock_guard lock(mtx_);
    refusing_ = true;
    if (drop) clear();
  }

  // The close frame: queued behind everything else even while refusing.
  void push_close(frame_ptr data, uint8_t op) {
    std::lock_guard lock(mtx_);
    bytes_ += data->size() + entry_cost;
    q_.push_back(frame{std::move(data), op});
  }

  // Moves up to `max` of the oldest frames to `out`; returns how many of
  // them were bulk. Frames queued after this need a wake of their own.
  size_t take(size_t max, std::vector<frame>& out) {
    std::lock_guard lock(mtx_);
    wake_pending_ = false;
    auto n = std::min(q_.size() - head_, max);
    size_t bulk = 0;
    for (size_t i = 0; i < n; ++i) {
      auto& f = q_[head_++];
      bytes_ -= payload_size(f) + entry_cost;
      bulk += f.bulk;
      out.push_back(std::move(f));
    }
    bulk_ -= bulk;
    if (head_ == q_.size()) {
      // Drained. Storage for one frame goes (an idle connection held ~48 B
      // for good after its welcome); a connection that had several queued
      // keeps up to 64 for the next burst (releasing it every time cost a
      // saturated fan-out ~8 %), a bigger backlog's goes.
      if (q_.capacity() <= 1) std::vector<frame>().swap(q_);
      clear();
    } else if (head_ >= 32 && head_ * 2 >= q_.size()) {
      // Never drained under steady load: drop the taken prefix.
      q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return bulk;
  }

  // Bulk frames pushed and not taken, those dropped included: what the
  // queue's owner still counts in the node's backlog.
  size_t bulk() const {
    std::lock_guard lock(mtx_);
    return bulk_;
  }
  size_t bytes() const {
    std::lock_guard lock(mtx_);
    return bytes_;
  }
  size_t size() const {
    std::lock_guard lock(mtx_);
    return q_.size() - head_;
  }
  // Entries the queue's storage holds room for (memory kept while idle).
  size_t capacity() const {
    std::lock_guard lock(mtx_);
    return q_.capacity();
  }

 private:
  // Call with mtx_ held.
  void clear() {
    if (q_.capacity() > 64) std::vector<frame>().swap(q_);
    else q_.clear();
    head_ = 0;
    bytes_ = 0;
  }

  mutable std::mutex mtx_;
  // Oldest at q_[head_]. A vector, not a deque: libstdc++ gives every deque
  // a 512-byte block even while empty, and most sessions are idle.
  std::vector<frame> q_;
  size_t head_ = 0;
  size_t bytes_ = 0;
  uint32_t bulk_ = 0;  // not reset by clear(): the owner settles it once, at its end
  bool wake_pending_ = false;
  bool refusing_ = false;
};

}  // namespace herald
