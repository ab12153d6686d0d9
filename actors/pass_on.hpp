#pragma once
// Sends a request on so that its outcome reaches whoever asked. Delegated
// (the response goes straight to the asker), except a message that carries
// a node-local answer (its `ans`) bound for another node: that becomes a
// request whose outcome this actor gives to the answer.
#include <type_traits>
#include <utility>

#include <caf/actor.hpp>
#include <caf/result.hpp>

#include "actors/answer.hpp"
#include "actors/caf_errors.hpp"
#include "actors/handle.hpp"

namespace herald {

template <class T, class = void>
struct carries_answer : std::false_type {};
template <class T>
struct carries_answer<T, std::void_t<decltype(std::declval<T&>().ans)>> : std::true_type {};

// The outcome of a request that may carry an answer: given to the answer
// (the caller is on this node), else returned as the response.
template <class Msg, class T>
caf::result<T> respond(Msg& m, T value) {
  if (!m.ans) return value;
  m.ans->give(std::move(value));
  return caf::delegated<T>{};
}

// Answers a request that may carry an answer with `e`.
template <class Self, class Msg>
void refuse(Self* self, Msg& m, const error& e) {
  if constexpr (carries_answer<Msg>::value) {
    if (m.ans) {
      m.ans->give(e);
      return;
    }
  }
  // Only a request waits for a response: an error sent to the sender of
  // a plain message would end it (CAF's default error handler).
  if (!self->current_message_id().is_request()) return;
  self->make_response_promise().deliver(to_caf(e));
}

namespace detail {
template <class Self, class T>
void pass_on_raw(Self* self, const caf::actor& to, T&& m, caf::timespan timeout) {
  if constexpr (carries_answer<std::decay_t<T>>::value) {
    if (m.ans && to.node() != self->node()) {
      using value = typename std::decay_t<decltype(*m.ans)>::value_type;
      auto ans = std::move(m.ans);
      self->request(to, timeout, std::forward<T>(m))
        .then([ans](value& v) { ans->give(std::move(v)); }, [ans](caf::error& e) { ans->give(from_caf(e)); });
      return;
    }
  }
  auto rp = self->make_response_promise();
  rp.delegate(to, std::forward<T>(m));
}
}  // namespace detail

template <class Self, class I, class T, of_interface<I, T> = 0>
void pass_on(Self* self, const handle<I>& to, T&& m, caf::timespan timeout) {
  detail::pass_on_raw(self, to.raw(), std::forward<T>(m), timeout);
}

}  // namespace herald
