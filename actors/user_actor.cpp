#include "actors/user_actor.hpp"

#include <map>

#include <caf/all.hpp>

namespace herald {

namespace {
using self_ptr = caf::stateful_actor<user_state>*;

void schedule_idle(self_ptr self) {
  auto token = ++self->state.idle_token;
  self->delayed_send(self, self->state.ctx->passivate_after, tick_atom_v, token);
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
          schedule_idle(self);
        }
        return;
      }
  });
  schedule_idle(self);
  return {
    [self](u_attach_atom, const std::string&, session_ref& ref) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto id = ref.info.session;
      if (!s.sessions.count(id)) {
        self->monitor(ref.actor);
        s.sessions.emplace(id, std::move(ref));
        if (s.sessions.size() == 1) self->send(s.parent, online_atom_v, false, s.user, true);
      }
      return s.sessions.size();
    },
    [self](u_push_atom, const std::string&, message& msg) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      // Group by node: each node encodes the frame once and writes it to its sessions.
      std::map<caf::actor, std::vector<std::string>> by_node;
      for (auto& [id, ref] : s.sessions) by_node[ref.node_ns].push_back(id);
      for (auto& [node_ns, ids] : by_node) self->send(node_ns, deliver_atom_v, msg, std::move(ids));
      return s.sessions.size();
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
    [self](u_ack_atom, const std::string&, const std::string&, const std::vector<std::string>&) {
      // Per-device ack cursors arrive with the durable inbox (storage/).
      ++self->state.seen;
    },
    [self](tick_atom, uint64_t token) {
      auto& s = self->state;
      if (token == s.idle_token && s.sessions.empty())
        self->send(s.parent, idle_atom_v, false, s.user, s.seen);
    },
    [self](stop_atom) {
      if (self->state.sessions.empty()) self->quit();
    },
  };
}

}  // namespace herald
