#include <spdlog/spdlog.h>

#include "actors/user_actor_parts.hpp"

namespace herald::user_parts {

// Reads the next page of the session's backlog from the store; `finish_page`
// sends it to the session's node (which writes it after `welcome`). Pages
// are a quarter of the send queue, so a long backlog never overflows it; the
// next page follows the device's next ack.
void next_page(self_ptr self, const session_ref& ref) {
  auto& st = self->state;
  auto& cu = st.replaying[ref.info.session];
  bool more = false;
  auto page = st.inbox.page(ref.info.client, cu.after, now_ms(), st.ctx->lim.send_queue / 4, more);
  if (page.empty()) {
    st.replaying.erase(ref.info.session);  // caught up: live from now on
    return;
  }
  cu.reading = true;
  std::vector<uint64_t> seqs;
  seqs.reserve(page.size());
  for (auto* e : page) seqs.push_back(e->seq);
  cu.after = seqs.back();
  auto* store = st.ctx->store;
  caf::actor me{self};
  auto read = [store, me, ns = st.ns, user = st.user, seqs = std::move(seqs), sid = ref.info.session] {
    auto recs = std::make_shared<storage::result<std::vector<storage::record>>>(store->inbox_records(ns, user, seqs));
    caf::anon_send(me, page_read{sid, recs});
  };
  // The index holds pushes whose records are still on their way to the
  // store: read once they are written (an empty batch behind them is the
  // barrier), or the page would skip them and the device never get them.
  if (st.waiting.empty())
    store->read(std::move(read));
  else
    store->commit(store->make_batch(), [store, read = std::move(read)](storage::status) mutable { store->read(std::move(read)); });
}

void finish_page(self_ptr self, const std::string& sid, replay_ptr& recs) {
  auto& st = self->state;
  auto cu = st.replaying.find(sid);
  auto ref = st.sessions.find(sid);
  if (cu == st.replaying.end() || ref == st.sessions.end()) return;  // gone meanwhile
  cu->second.reading = false;
  std::vector<message> msgs;
  auto b = st.ctx->store->make_batch();
  if (*recs) {
    auto now = now_ms();
    for (auto& r : recs->value()) {
      if (r.expired(now)) continue;
      b.add_counts(st.ns, r.id, {1, 0});
      msgs.push_back(to_message(r));
    }
  } else {
    spdlog::error("cannot read backlog of {}/{}: {}", st.ns, st.user, recs->err().message);
  }
  if (!msgs.empty()) tell(self, ref->second.node_ns, replay{std::move(msgs), sid});
  b.relax();
  if (!b.empty()) st.ctx->store->commit(std::move(b), nullptr);
  bool more = false;
  auto rest = st.inbox.page(ref->second.info.client, cu->second.after, now_ms(), 1, more);
  if (rest.empty()) st.replaying.erase(cu);  // caught up
  done_attaching(self);
}

}  // namespace herald::user_parts
