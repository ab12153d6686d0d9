#pragma once
// api::ask, shared by the API's files that ask a namespace actor (api.cpp,
// api_hooks.cpp); private to the API. Kept out of api_call.hpp so the admin
// routes compile without CAF.
#include "actors/protocol.hpp"
#include "net/answer_deadlines.hpp"
#include "net/api_call.hpp"

namespace herald {

// Sends `m` to the namespace's actor on this node with an answer that
// `ok` turns into the reply (errors answer their status and code); the
// answer's deadline is kept with every other.
template <class T, class Msg, class Ok>
void api::ask(call& c, Msg m, Ok ok) {
  auto dest = node_.dir().local(c.ns);
  if (!dest) return c.fail(errc::unavailable, "namespace is not active on this node");
  m.ans = make_answer<T>([reply = c.reply, ok = std::move(ok)](result<T> r) {
    call c2{{}, reply, {}, {}};
    if (!r) return c2.fail(r.err());
    ok(c2, r.value());
  });
  answers_->add(m.ans, answer_deadlines::clock::now());
  tell(as_namespace(dest), std::move(m));
}

}  // namespace herald
