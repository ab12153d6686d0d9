#pragma once
// What actors need from a client connection; net/ws_session implements it.
// Both calls are thread-safe and never block: they hand work to the socket's
// own executor.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/message.hpp"

namespace herald {

class connection;
using connection_ptr = std::shared_ptr<connection>;

class connection {
 public:
  virtual ~connection() = default;
  // Queues one frame. When the bounded queue is full the connection closes
  // itself with close_code::try_again and returns false.
  virtual bool send(frame_ptr frame) = 0;
  // Queues one frame whose payload is head + data + "]" (a Socket.IO
  // event around a shared message). By default it is copied into one.
  virtual bool send_wrapped(frame_ptr head, frame_ptr data) {
    auto s = std::make_shared<std::string>();
    s->reserve(head->size() + data->size() + 1);
    *s += *head;
    *s += *data;
    *s += ']';
    return send(std::move(s));
  }
  virtual void close(uint16_t code, std::string reason) = 0;
  // Closes the connection with 4001 at `ms` (since the epoch) unless
  // called again first; 0: never (a token without expiry).
  virtual void expire_at(int64_t ms) { (void)ms; }
  // The close code the connection ended with (sent or received; 1006 when
  // it ended without one); 0 while it is open.
  virtual uint16_t closed_with() const { return 0; }
  // Starts the writers of `conns` (all of this one's kind), whose sends were
  // made inside a send_batch: one task for the network thread for all.
  virtual void wake_all(std::vector<connection_ptr>&& conns) = 0;
};

// While one is open on a thread, a send that must wake its connection's
// writer leaves that to the batch's end: a fan-out to 10k members hands the
// network thread one task instead of 10k (each a queue lock and a wakeup).
class send_batch {
 public:
  // A fan-out to this many sessions or more is big: its frames count in
  // the node's delivery backlog (net/backlog_gate.hpp), and on a busy node
  // its writes wait for company (ws_session::wake_all).
  static constexpr size_t bulk_size = 256;

  // `recipients`: how many sessions the fan-out may reach, if known.
  explicit send_batch(size_t recipients = 0) : outer_(current_), bulk_(recipients >= bulk_size) { current_ = this; }
  ~send_batch() {
    current_ = outer_;
    if (!woken_.empty()) woken_.front()->wake_all(std::move(woken_));
  }
  send_batch(const send_batch&) = delete;
  send_batch& operator=(const send_batch&) = delete;

  // The batch open on this thread, if any.
  static send_batch* current() { return current_; }
  void defer(connection_ptr conn) { woken_.push_back(std::move(conn)); }
  bool bulk() const { return bulk_; }

 private:
  std::vector<connection_ptr> woken_;
  send_batch* outer_;
  bool bulk_;
  static inline thread_local send_batch* current_ = nullptr;
};

}  // namespace herald
