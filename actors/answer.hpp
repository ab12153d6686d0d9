#pragma once
// The outcome of a call made by a caller that takes no CAF responses (the
// HTTP API; a session, which is an inline actor), carried in the call's
// messages so that the actor which has the outcome gives it directly: no
// requester actor, and so no API-gateway mailbox on the way in or out (two
// actor resumes of six per durable push).
// Node-local by construction: a message with an answer is only sent to an
// actor on the same node; a remote hop is a CAF request whose outcome the
// sender gives here.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/errors.hpp"

namespace herald {

class answer {
 public:
  using fn = std::function<void(result<uint64_t>)>;
  explicit answer(fn done) : done_(std::move(done)) {}
  answer(const answer&) = delete;
  answer& operator=(const answer&) = delete;
  // Dropped unanswered (its message went with an actor that ended): the
  // caller hears it now instead of at its deadline.
  ~answer() { give(error{errc::unavailable, "the recipient ended without answering"}); }

  // The first outcome wins; any thread. False when one was given already.
  bool give(result<uint64_t> r) {
    if (given_.exchange(true)) return false;
    done_(std::move(r));
    return true;
  }
  bool given() const { return given_.load(); }

 private:
  std::atomic<bool> given_{false};
  fn done_;
};
using answer_ptr = std::shared_ptr<answer>;

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::answer_ptr)
