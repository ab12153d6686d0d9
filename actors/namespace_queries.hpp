#pragma once
// The namespace actor's questions to every node (actors/namespace_queries.cpp):
// stats, receipts, device prunes and webhook queues are summed over the
// namespace actors of all nodes, and each node reads its share from the
// store off the actor's thread. Internal to the namespace actor's files.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/namespace_home.hpp"

namespace herald::ns_queries {

using ns_home::self_ptr;

// A receipt read from the store's reader thread.
struct receipt_read {
  uint64_t token = 0;
  receipt_counts counts;
  std::string failure;
};
// The devices of a prune, read from the store's reader thread.
struct prune_read {
  uint64_t token = 0;
  std::vector<std::pair<std::string, std::string>> devices;  // (user, device)
  std::string failure;
};

// Gathers the uint64 outcomes of several requests into one answer: their
// sum, or the first failure.
struct gather {
  answer_ptr ans;
  size_t remaining = 0;
  uint64_t total = 0;
  std::optional<error> failed;

  void add(uint64_t n) {
    total += n;
    finish_one();
  }
  void fail(error e) {
    if (!failed) failed = std::move(e);
    finish_one();
  }
  void finish_one() {
    if (--remaining > 0) return;
    if (failed) ans->give(*failed);
    else ans->give(total);
  }
};
using gather_ptr = std::shared_ptr<gather>;

// A gather of n outcomes for `ans` (answered 0 at once when n is 0).
gather_ptr make_gather(size_t n, answer_ptr ans);

// Asks `dest` for a uint64 and feeds the outcome into `g`.
template <class I, class T>
void ask_into(self_ptr self, const gather_ptr& g, const handle<I>& dest, T m) {
  ask(self, dest, self->state.ctx->ask_timeout, std::move(m))
    .then([g](uint64_t n) { g->add(n); }, [g](caf::error& e) { g->fail(from_caf(e)); });
}

// Asks the namespace actor of every node (this one too) and gives `ans`
// the sum; a node that does not answer fails the whole (its share would be
// missing).
template <class T, class Req, class Add>
void ask_everywhere(self_ptr self, const Req& req, answer_of<T> ans, Add add) {
  auto nodes = as_namespaces(self->state.ctx->dir->everywhere(self->state.ns));
  struct acc {
    T sum;
    size_t left;
    std::optional<error> failed;
  };
  auto a = std::make_shared<acc>(acc{{}, nodes.size(), {}});
  if (nodes.empty()) return void(ans->give(a->sum));
  auto finish = [a, ans] {
    if (--a->left > 0) return;
    if (a->failed) ans->give(*a->failed);
    else ans->give(a->sum);
  };
  for (auto& n : nodes)
    ask(self, n, self->state.ctx->ask_timeout, req)
      .then(
        [a, add, finish](T& v) {
          add(a->sum, v);
          finish();
        },
        [a, finish](caf::error& e) {
          if (!a->failed) a->failed = error{errc::unavailable, "a node did not answer: " + from_caf(e).message};
          finish();
        });
}

// This node's share of the namespace's numbers.
ns_stats share(self_ptr self);
void add_receipt(receipt_counts& x, const receipt_counts& y);

// This node's receipt counts of a message: read behind the queued writes,
// answered when the read arrives (finish_read).
void read_receipt(self_ptr self, const std::string& id);
void finish_read(self_ptr self, receipt_read& r);

// This node's share of a prune: the idle devices of users homed here, each
// forgotten by its user's actor (which keeps a connected one).
void start_prune(self_ptr self, const prune_request& m);
void finish_prune(self_ptr self, prune_read& r);

}  // namespace herald::ns_queries

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ns_queries::receipt_read)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ns_queries::prune_read)
