#pragma once
// A reference to an actor typed by the interface it accepts: tell() and
// ask() through a handle<I> compile only for a message of I, so a sender
// cannot send an actor what it does not handle (the receiver's handlers
// must cover I: actors/interface.hpp). The interface is named by a
// declared-only struct, so a handle can be a field of the values in
// types.hpp before the protocols define their messages.
//
// Why not CAF's typed actors: the session actor is an inline actor, and a
// typed actor's handle lists each message's answer type too, which the
// namespace actor's one generic forwarder (route) cannot name.
#include <type_traits>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/send.hpp>

#include "actors/interface.hpp"

namespace herald {

template <class I>
class handle {
 public:
  handle() = default;
  // Where an actor comes untyped: a spawn, the directory, a down message.
  // The one place a wrong interface could be claimed; each use says why.
  static handle assume(caf::actor a) {
    handle h;
    h.a_ = std::move(a);
    return h;
  }
  // A handle to a wider interface (an actor implementing several) narrows
  // to any of them.
  template <class J, class = std::enable_if_t<std::conjunction_v<std::negation<std::is_same<I, J>>, part_of<I, J>>>>
  handle(const handle<J>& wider) : a_(wider.raw()) {}

  const caf::actor& raw() const { return a_; }
  explicit operator bool() const { return static_cast<bool>(a_); }
  caf::node_id node() const { return a_.node(); }
  caf::actor_addr address() const { return a_.address(); }

  friend bool operator==(const handle& x, const handle& y) { return x.a_ == y.a_; }
  friend bool operator!=(const handle& x, const handle& y) { return !(x == y); }
  friend bool operator<(const handle& x, const handle& y) { return x.a_ < y.a_; }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, handle& x) {
    return f(x.a_);
  }

 private:
  caf::actor a_;
};

// Only a message of the receiver's interface: anything else finds no
// tell / ask to call and does not compile.
template <class I, class M>
using of_interface = std::enable_if_t<in_interface_v<I, M>, int>;

// Sends `m` to `to` from `self`; no answer.
template <class I, class Self, class M, of_interface<I, M> = 0>
void tell(Self* self, const handle<I>& to, M&& m) {
  self->send(to.raw(), std::forward<M>(m));
}

// The same from outside any actor (an Asio handler, the node).
template <class I, class M, of_interface<I, M> = 0>
void tell(const handle<I>& to, M&& m) {
  caf::anon_send(to.raw(), std::forward<M>(m));
}

// A request: what CAF's request() returns (then / receive).
template <class I, class Self, class M, of_interface<I, M> = 0>
auto ask(Self* self, const handle<I>& to, caf::timespan timeout, M&& m) {
  return self->request(to.raw(), timeout, std::forward<M>(m));
}

// Whether tell(handle<I>, M) compiles (tests/unit/namespace_parts_test.cpp).
template <class I, class M, class = void>
struct can_tell : std::false_type {};
template <class I, class M>
struct can_tell<I, M, std::void_t<decltype(tell(std::declval<const handle<I>&>(), std::declval<M>()))>>
    : std::true_type {};

}  // namespace herald
