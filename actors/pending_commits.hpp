#pragma once
// Requests that are answered once the store has made a batch durable. The
// writer thread's callback must not touch the actor: it sends a
// commit_done to it, and the actor hands that to `finish`, which delivers the answer: to the requester's response promise,
// or to the answer object of a push from outside the actor system.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>

#include "actors/answer.hpp"
#include "actors/caf_errors.hpp"
#include "storage/store.hpp"

namespace herald {

// From the store's writer thread: the batch of `token` is durable (or failed).
struct commit_done {
  uint64_t token = 0;
  uint64_t n = 0;
  std::string failure;  // empty when it committed
};

class pending_commits {
 public:
  using reply = std::variant<caf::response_promise, answer_ptr>;
  // Queues `b`; `to` is answered with `n` once it is durable.
  void commit(const caf::actor& me, storage::store& st, storage::batch b, uint64_t n, reply to) {
    auto token = ++next_;
    waiting_.emplace(token, std::move(to));
    st.commit(std::move(b), [me, token, n](storage::status s) {
      caf::anon_send(me, commit_done{token, n, s ? std::string() : s.err().message});
    });
  }
  // Delivers the answer of `token`: n, or an error naming the failure.
  void finish(const commit_done& d) { finish(d.token, d.n, d.failure); }
  void finish(uint64_t token, uint64_t n, const std::string& failure) {
    auto i = waiting_.find(token);
    if (i == waiting_.end()) return;
    // The same failure reads the same to every caller, local or remote.
    if (failure.empty()) give(i->second, n);
    else give(i->second, from_store(storage::failure{storage::fault::io, failure}));
    waiting_.erase(i);
  }
  // Answers `to` now (nothing to wait for, or a write refused up front).
  static void give(reply& to, result<uint64_t> r) {
    if (auto* rp = std::get_if<caf::response_promise>(&to)) {
      if (r) rp->deliver(r.value());
      else rp->deliver(to_caf(r.err()));
    } else {
      std::get<answer_ptr>(to)->give(std::move(r));
    }
  }
  bool empty() const { return waiting_.empty(); }

 private:
  std::unordered_map<uint64_t, reply> waiting_;
  uint64_t next_ = 0;
};

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::commit_done)
