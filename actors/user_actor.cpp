#include "actors/user_actor.hpp"

#include <map>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "storage/store.hpp"

namespace herald {

namespace {
using self_ptr = caf::stateful_actor<user_state>*;

struct loaded_data {
  result<std::vector<std::pair<uint64_t, storage::record>>> entries{error{errc::internal, "not read"}};
  result<std::vector<std::pair<std::string, storage::cursor>>> cursors{error{errc::internal, "not read"}};
};
using loaded_ptr = std::shared_ptr<loaded_data>;
using replay_ptr = std::shared_ptr<result<std::vector<storage::record>>>;
}  // namespace
}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::loaded_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::replay_ptr)

namespace herald {
namespace {

void schedule_idle(self_ptr self) {
  auto token = ++self->state.idle_token;
  self->delayed_send(self, self->state.ctx->passivate_after, tick_atom_v, token);
}

bool idle(self_ptr self) {
  auto& s = self->state;
  return s.sessions.empty() && s.waiting.empty() && s.replaying.empty();
}

// Hands `msg` to every live session, one message per node.
uint64_t deliver_live(self_ptr self, const message& msg) {
  std::map<caf::actor, std::vector<std::string>> by_node;
  for (auto& [id, ref] : self->state.sessions)
    if (!self->state.replaying.count(id)) by_node[ref.node_ns].push_back(id);
  for (auto& [node_ns, ids] : by_node) {
    if (node_ns.node() != self->node()) self->state.ctx->stats->internode("user").Increment();
    self->send(node_ns, deliver_atom_v, msg, std::move(ids));
  }
  return self->state.sessions.size();
}

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
  store->read([store, me, ns = st.ns, user = st.user, seqs = std::move(seqs), sid = ref.info.session] {
    auto recs = std::make_shared<result<std::vector<storage::record>>>(store->inbox_records(ns, user, seqs));
    caf::anon_send(me, loaded_atom_v, sid, recs);
  });
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
      if (r.expires_at != 0 && r.expires_at <= now) continue;
      b.add_counts(st.ns, r.id, {1, 0});
      msgs.push_back(to_message(r));
    }
  } else {
    spdlog::error("cannot read backlog of {}/{}: {}", st.ns, st.user, recs->err().message);
  }
  if (!msgs.empty()) self->send(ref->second.node_ns, deliver_atom_v, std::move(msgs), sid);
  if (!b.empty()) st.ctx->store->commit(std::move(b), nullptr);
  bool more = false;
  auto rest = st.inbox.page(ref->second.info.client, cu->second.after, now_ms(), 1, more);
  if (rest.empty()) st.replaying.erase(cu);  // caught up
  if (idle(self)) schedule_idle(self);
}

caf::behavior running(self_ptr self) {
  return {
    [self](u_attach_atom, const std::string&, session_ref& ref) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto id = ref.info.session;
      if (!s.sessions.count(id)) {
        self->monitor(ref.actor);
        s.sessions.emplace(id, ref);
        if (!ref.info.client.empty()) next_page(self, ref);
        if (s.sessions.size() == 1) self->send(s.parent, online_atom_v, false, s.user, true);
      }
      return s.sessions.size();
    },
    [self](u_push_atom, const std::string&, message& msg, int64_t ttl_ms) -> caf::result<uint64_t> {
      auto& s = self->state;
      ++s.seen;
      if (ttl_ms <= 0) return deliver_live(self, msg);
      auto& e = s.inbox.append(msg.id, msg.ts + ttl_ms, static_cast<uint32_t>(msg.data.size()));
      auto b = s.ctx->store->make_batch();
      b.put_inbox(s.ns, s.user, e.seq, to_record(msg, e.expires_at));
      auto n = deliver_live(self, msg);
      auto rp = self->make_response_promise<uint64_t>();
      s.waiting.commit(caf::actor{self}, *s.ctx->store, std::move(b), n, rp);
      return rp;
    },
    [self](loaded_atom, const std::string& sid, replay_ptr& recs) { finish_page(self, sid, recs); },
    [self](committed_atom, uint64_t token, uint64_t n, const std::string& failure) {
      auto& s = self->state;
      if (!failure.empty()) spdlog::error("inbox write for {}/{} failed: {}", s.ns, s.user, failure);
      s.waiting.finish(token, n, failure);
      if (idle(self)) schedule_idle(self);
    },
    [self](u_info_atom, const std::string&) {
      auto& s = self->state;
      ++s.seen;
      std::vector<session_info> out;
      for (auto& kv : s.sessions) out.push_back(kv.second.info);
      return out;
    },
    [self](u_kick_atom, const std::string&, uint16_t code) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      for (auto& kv : s.sessions)
        self->send(kv.second.actor, kick_atom_v, code, std::string("disconnected through the API"));
      return s.sessions.size();
    },
    [self](u_ack_atom, const std::string&, const std::string& device, const std::vector<std::string>& ids) {
      auto& s = self->state;
      ++s.seen;
      if (device.empty()) return;  // sessions without a device get live messages only
      auto r = s.inbox.ack(device, ids);
      // A device catching up gets its next page once it has acked the end
      // of the last one: pages never pile up in its send queue.
      std::vector<std::string> ready;
      for (auto& [sid, cu] : s.replaying)
        if (!cu.reading && s.inbox.acked(device, cu.after)) ready.push_back(sid);
      for (auto& sid : ready) {
        auto ref = s.sessions.find(sid);
        if (ref != s.sessions.end() && ref->second.info.client == device) next_page(self, ref->second);
      }
      if (!r.changed && r.unknown.empty()) return;
      auto b = s.ctx->store->make_batch();
      if (r.changed) b.put_cursor(s.ns, s.user, device, r.cursor);
      // Acks of live-only messages count once per ack frame: there is no
      // per-device record of them to dedupe against.
      for (auto* list : {&r.newly_acked, &r.unknown})
        for (auto& id : *list) b.add_counts(s.ns, id, {0, 1});
      s.ctx->store->commit(std::move(b), nullptr);
    },
    [self](tick_atom, uint64_t token) {
      auto& s = self->state;
      if (token != s.idle_token || !idle(self)) return;
      s.inbox.drop_expired(now_ms());
      self->send(s.parent, idle_atom_v, false, s.user, s.seen);
    },
    [self](stop_atom) {
      if (idle(self)) self->quit();
    },
  };
}
}  // namespace

caf::behavior user_actor(self_ptr self, std::string ns, std::string user, caf::actor parent,
                         context_ptr ctx) {
  auto& st = self->state;
  st.ns = std::move(ns);
  st.user = std::move(user);
  st.parent = std::move(parent);
  st.ctx = std::move(ctx);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state.sessions;
    for (auto i = s.begin(); i != s.end(); ++i)
      if (i->second.actor.address() == dm.source) {
        self->state.replaying.erase(i->first);
        s.erase(i);
        if (s.empty()) {
          self->send(self->state.parent, online_atom_v, false, self->state.user, false);
          if (idle(self)) schedule_idle(self);
        }
        return;
      }
  });
  // Until the inbox is read, every other message waits in the mailbox.
  self->set_default_handler(caf::skip);
  auto* store = st.ctx->store;
  caf::actor me{self};
  store->read([store, me, ns = st.ns, user = st.user] {
    auto d = std::make_shared<loaded_data>();
    d->entries = store->inbox(ns, user);
    d->cursors = store->cursors(ns, user);
    caf::anon_send(me, loaded_atom_v, d);
  });
  return {
    [self](loaded_atom, loaded_ptr& d) {
      auto& s = self->state;
      if (!d->entries || !d->cursors) {
        auto& e = !d->entries ? d->entries.err() : d->cursors.err();
        spdlog::error("cannot load inbox of {}/{}: {}", s.ns, s.user, e.message);
        self->quit(caf::make_error(caf::sec::runtime_error, e.message));
        return;
      }
      s.inbox.load(std::move(d->entries.value()), std::move(d->cursors.value()));
      self->set_default_handler(caf::print_and_drop);
      self->become(running(self));
      schedule_idle(self);
    },
  };
}

}  // namespace herald
