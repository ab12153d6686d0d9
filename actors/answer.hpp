#pragma once
// The one way a call from outside the actor system (the HTTP API; a
// session, which is an inline actor) gets its outcome: the call's message
// carries an answer, and the actor that has the outcome gives it, on
// whatever thread that is. No requester actor sits in between, so no
// mailbox on the way in or out. Node-local by construction: a message with
// an answer is only sent to an actor on the same node; a hop to another
// node is a CAF request whose outcome the sender gives here
// (actors/pass_on.hpp). The API keeps every answer's deadline in one place
// (net/answer_deadlines.hpp), through the untyped base.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/errors.hpp"

namespace herald {

// What a deadline keeper needs of any answer.
class answer_base {
 public:
  virtual ~answer_base() = default;
  // Gives `e` unless an outcome was given; false when one was.
  virtual bool fail(error e) = 0;
  bool given() const { return given_.load(); }

 protected:
  std::atomic<bool> given_{false};
};

template <class T>
class basic_answer final : public answer_base {
 public:
  using value_type = T;
  using fn = std::function<void(result<T>)>;
  explicit basic_answer(fn done) : done_(std::move(done)) {}
  basic_answer(const basic_answer&) = delete;
  basic_answer& operator=(const basic_answer&) = delete;
  // Dropped unanswered (its message went with an actor that ended): the
  // caller hears it now instead of at its deadline.
  ~basic_answer() override { give(error{errc::unavailable, "the recipient ended without answering"}); }

  // The first outcome wins; any thread. False when one was given already.
  bool give(result<T> r) {
    if (given_.exchange(true)) return false;
    done_(std::move(r));
    return true;
  }
  bool fail(error e) override { return give(std::move(e)); }

 private:
  fn done_;
};

template <class T>
using answer_of = std::shared_ptr<basic_answer<T>>;

template <class T, class F>
answer_of<T> make_answer(F&& done) {
  return std::make_shared<basic_answer<T>>(std::forward<F>(done));
}

// Most calls answer a count (sessions reached, rooms joined, ...).
using answer = basic_answer<uint64_t>;
using answer_ptr = answer_of<uint64_t>;

}  // namespace herald
