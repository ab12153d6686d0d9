#include "actors/room_actor.hpp"

#include <algorithm>

#include <caf/all.hpp>

namespace herald {

namespace {
using self_ptr = caf::stateful_actor<room_state>*;

void schedule_idle(self_ptr self) {
  auto token = ++self->state.idle_token;
  self->delayed_send(self, self->state.ctx->passivate_after, tick_atom_v, token);
}

void remove_member(self_ptr self, const std::string& session) {
  auto& s = self->state;
  auto i = s.members.find(session);
  if (i == s.members.end()) return;
  auto n = s.nodes.find(i->second.node_ns);
  if (n != s.nodes.end() && --n->second == 0) {
    self->demonitor(n->first);
    s.nodes.erase(n);
  }
  s.members.erase(i);
  if (s.members.empty()) {
    self->send(s.parent, online_atom_v, true, s.room, false);
    schedule_idle(self);
  }
}

size_t history_limit(self_ptr self) {
  auto settings = self->state.ctx->catalog->get(self->state.ns);
  return settings ? static_cast<size_t>(std::max<int64_t>(settings->room_history, 0)) : 0;
}
}  // namespace

caf::behavior room_actor(self_ptr self, std::string ns, std::string room, caf::actor parent,
                         context_ptr ctx) {
  auto& st = self->state;
  st.ns = std::move(ns);
  st.room = std::move(room);
  st.parent = std::move(parent);
  st.ctx = std::move(ctx);
  // A node's namespace actor going away takes its members with it.
  self->set_down_handler([self](caf::down_msg& dm) {
    std::vector<std::string> gone;
    for (auto& [id, ref] : self->state.members)
      if (ref.node_ns.address() == dm.source) gone.push_back(id);
    for (auto& id : gone) remove_member(self, id);
  });
  schedule_idle(self);
  return {
    [self](r_join_atom, const std::string&, session_ref& ref, const std::string& since) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto id = ref.info.session;
      auto node_ns = ref.node_ns;
      if (!s.members.count(id)) {
        if (s.nodes[node_ns]++ == 0) self->monitor(node_ns);
        s.members.emplace(id, std::move(ref));
        if (s.members.size() == 1) self->send(s.parent, online_atom_v, true, s.room, true);
      }
      if (!since.empty()) {
        // Replay what came after `since` through the same channel as live
        // messages, so the node writes them before any later live one. An
        // unknown id (evicted or never seen) replays all that is retained.
        auto it = std::find_if(s.history.begin(), s.history.end(),
                               [&](const message& m) { return m.id == since; });
        it = it == s.history.end() ? s.history.begin() : it + 1;
        for (; it != s.history.end(); ++it)
          self->send(node_ns, deliver_atom_v, *it, std::vector<std::string>{id});
      }
      return s.members.size();
    },
    [self](r_leave_atom, const std::string&, const std::string& session) -> uint64_t {
      ++self->state.seen;
      remove_member(self, session);
      return self->state.members.size();
    },
    [self](r_publish_atom, const std::string&, message& msg, const std::string& exclude) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto limit = history_limit(self);
      if (limit > 0) {
        s.history.push_back(msg);
        while (s.history.size() > limit) s.history.pop_front();
      }
      for (auto& kv : s.nodes) self->send(kv.first, r_deliver_atom_v, s.room, msg, exclude);
      return s.members.size() - (exclude.empty() ? 0 : s.members.count(exclude));
    },
    [self](r_info_atom, const std::string&) {
      ++self->state.seen;
      std::vector<session_info> out;
      for (auto& kv : self->state.members) out.push_back(kv.second.info);
      return out;
    },
    [self](tick_atom, uint64_t token) {
      auto& s = self->state;
      // Rooms with retained history stay active: history lives in memory
      // until the durable store takes it over.
      if (token == s.idle_token && s.members.empty() && s.history.empty())
        self->send(s.parent, idle_atom_v, true, s.room, s.seen);
    },
    [self](stop_atom) {
      if (self->state.members.empty()) self->quit();
    },
  };
}

}  // namespace herald
