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
}  // namespace
}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::loaded_ptr)

namespace herald {
namespace {

void schedule_idle(self_ptr self) {
  auto token = ++self->state.idle_token;
  self->delayed_send(self, self->state.ctx->passivate_after, tick_atom_v, token);
}

bool idle(self_ptr self) { return self->state.sessions.empty() && self->state.waiting.empty(); }

// Hands `msg` to every live session, one message per node.
uint64_t deliver_live(self_ptr self, const message& msg) {
  std::map<caf::actor, std::vector<std::string>> by_node;
  for (auto& [id, ref] : self->state.sessions) by_node[ref.node_ns].push_back(id);
  for (auto& [node_ns, ids] : by_node) self->send(node_ns, deliver_atom_v, msg, std::move(ids));
  return self->state.sessions.size();
}

// Sends the device's unacked backlog to the session's node, in order; the
// node writes it after `welcome` and before any later live message.
void replay(self_ptr self, const session_ref& ref) {
  auto& st = self->state;
  auto backlog = st.inbox.backlog(ref.info.client, now_ms());
  if (backlog.empty()) return;
  std::vector<message> msgs;
  msgs.reserve(backlog.size());
  auto b = st.ctx->store->make_batch();
  for (auto* e : backlog) {
    msgs.push_back(e->msg);
    b.add_counts(st.ns, e->msg.id, {1, 0});
  }
  self->send(ref.node_ns, deliver_atom_v, std::move(msgs), ref.info.session);
  st.ctx->store->commit(std::move(b), nullptr);
}

caf::behavior running(self_ptr self) {
  return {
    [self](u_attach_atom, const std::string&, session_ref& ref) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto id = ref.info.session;
      if (!s.sessions.count(id)) {
        self->monitor(ref.actor);
        if (!ref.info.client.empty()) replay(self, ref);
        s.sessions.emplace(id, std::move(ref));
        if (s.sessions.size() == 1) self->send(s.parent, online_atom_v, false, s.user, true);
      }
      return s.sessions.size();
    },
    [self](u_push_atom, const std::string&, message& msg, int64_t ttl_ms) -> caf::result<uint64_t> {
      auto& s = self->state;
      ++s.seen;
      if (ttl_ms <= 0) return deliver_live(self, msg);
      auto& e = s.inbox.append(msg, msg.ts + ttl_ms);
      auto b = s.ctx->store->make_batch();
      b.put_inbox(s.ns, s.user, e.seq, to_record(e.msg, e.expires_at));
      auto n = deliver_live(self, msg);
      auto token = ++s.next_token;
      auto rp = self->make_response_promise<uint64_t>();
      s.waiting.emplace(token, rp);
      caf::actor me{self};
      s.ctx->store->commit(std::move(b), [me, token, n](status st) {
        caf::anon_send(me, committed_atom_v, token, n, st ? std::string() : st.err().message);
      });
      return rp;
    },
    [self](committed_atom, uint64_t token, uint64_t n, const std::string& failure) {
      auto& s = self->state;
      auto i = s.waiting.find(token);
      if (i == s.waiting.end()) return;
      if (failure.empty()) {
        i->second.deliver(n);
      } else {
        spdlog::error("inbox write for {}/{} failed: {}", s.ns, s.user, failure);
        i->second.deliver(caf::make_error(caf::sec::runtime_error, "store: " + failure));
      }
      s.waiting.erase(i);
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
