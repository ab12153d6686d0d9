#include "actors/namespace_queries.hpp"

#include "storage/store.hpp"

namespace herald::ns_queries {

using namespace ns_home;

gather_ptr make_gather(size_t n, answer_ptr ans) {
  auto g = std::make_shared<gather>();
  g->ans = std::move(ans);
  g->remaining = n;
  if (n == 0) g->ans->give(uint64_t{0});
  return g;
}

ns_stats share(self_ptr self) {
  auto& st = self->state;
  auto now = now_ms();
  return ns_stats{st.hub.size(), st.home.users_online(), st.home.rooms_active(),
                  st.hub.published(now), st.hub.delivered(now), st.hub.acked(now)};
}

void add_receipt(receipt_counts& x, const receipt_counts& y) {
  x.found |= y.found;
  x.sent += y.sent;
  x.acked += y.acked;
}

void read_receipt(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto token = ++st.next_read;
  st.reading.emplace(token, self->make_response_promise<receipt_counts>());
  auto* store = st.ctx->store;
  caf::actor me{self};
  // Behind the writes queued so far: a live-only push answers before its
  // receipt counts are written (actors/user_actor.cpp), and a receipt
  // asked for after that answer must count it.
  store->read_after_writes([store, me, token, ns = st.ns, id] {
    auto r = store->receipt(ns, id);
    receipt_counts out;
    if (r && r.value()) out = {true, r.value()->sent, r.value()->acked};
    caf::anon_send(me, receipt_read{token, out, r ? std::string{} : r.err().message});
  });
}

void finish_read(self_ptr self, receipt_read& r) {
  auto& reading = self->state.reading;
  auto i = reading.find(r.token);
  if (i == reading.end()) return;
  if (r.failure.empty()) i->second.deliver(r.counts);
  else i->second.deliver(to_caf(from_store(storage::failure{storage::fault::io, r.failure})));
  reading.erase(i);
}

void start_prune(self_ptr self, const prune_request& m) {
  auto& st = self->state;
  auto token = ++st.next_read;
  st.reading.emplace(token, self->make_response_promise<uint64_t>());
  auto* store = st.ctx->store;
  caf::actor me{self};
  store->read_after_writes([store, me, token, ns = st.ns, before = m.before_ms] {
    auto r = store->idle_devices(ns, before);
    prune_read out{token, {}, {}};
    if (r) out.devices = std::move(r.value());
    else out.failure = r.err().message;
    caf::anon_send(me, std::move(out));
  });
}

void finish_prune(self_ptr self, prune_read& r) {
  auto& st = self->state;
  auto i = st.reading.find(r.token);
  if (i == st.reading.end()) return;
  auto rp = i->second;
  st.reading.erase(i);
  if (!r.failure.empty()) return void(rp.deliver(to_caf(from_store(storage::failure{storage::fault::io, r.failure}))));
  std::vector<std::pair<std::string, std::string>> mine;
  for (auto& d : r.devices)
    if (!owner_elsewhere(self, key_kind::user, d.first)) mine.push_back(std::move(d));
  auto g = make_gather(mine.size(), std::make_shared<answer>([rp](result<uint64_t> n) mutable {
    if (n) rp.deliver(n.value());
    else rp.deliver(to_caf(n.err()));
  }));
  for (auto& [user, device] : mine)
    ask_into(self, g, activate<key_kind::user>(self, user), u_forget_device{user, device, true, {}});
}

}  // namespace herald::ns_queries
