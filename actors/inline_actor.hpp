#pragma once
// A CAF actor without a mailbox of its own: a message is handled on the
// thread that sends it, one at a time and in arrival order (a sender that
// finds the actor busy leaves the message to the thread handling it). It is
// addressable, monitorable and reachable from other nodes like any actor,
// and costs ~0.2 KB where a scheduled actor costs ~1.3 KB (its mailbox's
// four queues, behaviour stack, response tables, default handlers).
//
// For actors whose handlers are short and never block, and that make no
// requests (they take outcomes as answer_ptr): sessions, one per connection.
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/make_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/monitorable_actor.hpp>

#include "actors/handle.hpp"

namespace herald {

class inline_actor : public caf::monitorable_actor {
 public:
  explicit inline_actor(caf::actor_config& cfg);

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override;
  void on_destroy() override;

  bool terminated() const { return getf(is_terminated_flag); }
  caf::actor as_actor() const { return caf::actor_cast<caf::actor>(ctrl()); }

 protected:
  // One message that is not a system message (exit, sys); false when it is
  // not one of the actor's (a request is then answered unexpected_message).
  virtual bool handle(caf::mailbox_element& x, caf::execution_unit* host) = 0;
  // Ends the actor: monitors and links fire, later messages are bounced.
  void quit(caf::error reason, caf::execution_unit* host);

  // Sends `xs` to `to` with this actor as sender.
  template <class... Ts>
  void send(const caf::actor& to, caf::execution_unit* host, Ts&&... xs) {
    if (!to) return;
    to->enqueue(caf::make_mailbox_element(ctrl(), caf::make_message_id(), {}, std::forward<Ts>(xs)...), host);
  }
  // The same through a typed handle: only a message of its interface.
  template <class I, class M, of_interface<I, M> = 0>
  void tell(const herald::handle<I>& to, caf::execution_unit* host, M&& m) {  // herald::, since handle() is a member
    send(to.raw(), host, std::forward<M>(m));
  }

 private:
  void dispatch(caf::mailbox_element_ptr& x, caf::execution_unit* host);

  // Under mtx_: a thread is handling messages, and what arrived meanwhile.
  bool busy_ = false;
  std::vector<caf::mailbox_element_ptr> backlog_;
};

// Creates an inline actor of type T (constructor: actor_config&, xs...).
template <class T, class... Ts>
caf::actor make_inline_actor(caf::actor_system& sys, Ts&&... xs) {
  caf::actor_config cfg;
  return caf::make_actor<T, caf::actor>(sys.next_actor_id(), sys.node(), &sys, cfg, std::forward<Ts>(xs)...);
}

}  // namespace herald
