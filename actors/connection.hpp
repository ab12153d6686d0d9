#pragma once
// What actors need from a client connection; net/ws_session implements it.
// Both calls are thread-safe and never block: they hand work to the socket's
// own executor.
#include <cstdint>
#include <memory>
#include <string>

#include "actors/message.hpp"

namespace herald {

class connection {
 public:
  virtual ~connection() = default;
  // Queues one frame. When the bounded queue is full the connection closes
  // itself with close_code::try_again and returns false.
  virtual bool send(frame_ptr frame) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
};

using connection_ptr = std::shared_ptr<connection>;

}  // namespace herald
