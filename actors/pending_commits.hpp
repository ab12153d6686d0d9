#pragma once
// Requests that are answered once the store has made a batch durable. The
// writer thread's callback must not touch the actor: it sends
// (committed, token, n, failure) to it, and the actor hands that to
// `finish`, which delivers the answer: to the requester's response promise,
// or to the answer object of a push from outside the actor system.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>

#include "actors/answer.hpp"
#include "actors/protocol.hpp"
#include "storage/store.hpp"

namespace herald {

class pending_commits {
 public:
  using reply = std::variant<caf::response_promise, answer_ptr>;
  // Queues `b`; `to` is answered with `n` once it is durable.
  void commit(const caf::actor& me, storage::store& st, storage::batch b, uint64_t n, reply to) {
    auto token = ++next_;
    waiting_.emplace(token, std::move(to));
    st.commit(std::move(b), [me, token, n](storage::status s) {
      caf::anon_send(me, committed_atom_v, token, n, s ? std::string() : s.err().message);
    });
  }
  // Delivers the answer of `token`: n, or an error naming the failure.
  void finish(uint64_t token, uint64_t n, const std::string& failure) {
    auto i = waiting_.find(token);
    if (i == waiting_.end()) return;
    if (auto* rp = std::get_if<caf::response_promise>(&i->second)) {
      if (failure.empty()) rp->deliver(n);
      else rp->deliver(caf::make_error(caf::sec::runtime_error, "store: " + failure));
    } else {
      auto& a = std::get<answer_ptr>(i->second);
      if (failure.empty()) a->give(n);
      else a->give(from_store(storage::failure{storage::fault::io, failure}));
    }
    waiting_.erase(i);
  }
  bool empty() const { return waiting_.empty(); }

 private:
  std::unordered_map<uint64_t, reply> waiting_;
  uint64_t next_ = 0;
};

}  // namespace herald
