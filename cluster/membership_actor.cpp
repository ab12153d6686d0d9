#include "cluster/membership_actor.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

namespace herald::cluster {

namespace {
using self_ptr = caf::stateful_actor<membership_state>*;
constexpr auto ask_timeout = std::chrono::seconds(5);
constexpr int max_backoff_ms = 4000;

std::vector<node_info> all(self_ptr self) {
  std::vector<node_info> out{self->state.self};
  for (auto& kv : self->state.members) out.push_back(kv.second);
  return out;
}

void learn(self_ptr self, const node_info& n);

// Introduces ourselves to `agent` and learns the members it knows.
void greet(self_ptr self, const caf::actor& agent) {
  self->request(agent, ask_timeout, hello_atom_v, self->state.self)
    .then([self](std::vector<node_info>& list) {
      for (auto& n : list) learn(self, n);
    },
    [](caf::error&) {});
}

void learn(self_ptr self, const node_info& n) {
  auto& st = self->state;
  if (n.name == st.self.name || !n.agent) return;
  auto i = st.members.find(n.name);
  if (i != st.members.end() && i->second.agent == n.agent) return;
  if (i != st.members.end()) self->demonitor(i->second.agent);  // restarted: a new incarnation
  st.members[n.name] = n;
  self->monitor(n.agent);
  spdlog::info("cluster: {} joined ({} members)", n.name, st.members.size() + 1);
  greet(self, n.agent);
}

bool is_member_address(self_ptr self, const std::string& addr) {
  for (auto& kv : self->state.members)
    if (kv.second.cluster == addr) return true;
  return false;
}

void dial(self_ptr self) {
  auto& st = self->state;
  auto mm = caf::actor_cast<caf::actor>(self->home_system().middleman().actor_handle());
  bool missing = false;
  for (auto& [host, port] : st.seeds) {
    auto addr = host + ":" + std::to_string(port);
    if (addr == st.self.cluster || is_member_address(self, addr)) continue;
    missing = true;
    if (!st.dialing.insert(addr).second) continue;
    self->request(mm, ask_timeout, caf::connect_atom_v, host, port)
      .then(
        [self, addr](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
          self->state.dialing.erase(addr);
          if (ptr) greet(self, caf::actor_cast<caf::actor>(ptr));
        },
        [self, addr](caf::error&) { self->state.dialing.erase(addr); });
  }
  // Back off while seeds are missing; check every few seconds once joined
  // so that partitions heal.
  st.backoff_ms = missing ? std::min(st.backoff_ms * 2, max_backoff_ms) : max_backoff_ms;
  self->delayed_send(self, std::chrono::milliseconds(st.backoff_ms), dial_atom_v);
}
}  // namespace

caf::behavior membership_actor(self_ptr self, node_info me, std::vector<std::string> seeds) {
  auto& st = self->state;
  st.self = std::move(me);
  st.self.agent = caf::actor{self};
  for (auto& s : seeds) {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) continue;
    try {
      st.seeds.emplace_back(s.substr(0, colon), static_cast<uint16_t>(std::stoi(s.substr(colon + 1))));
    } catch (...) {
      spdlog::warn("cluster: ignoring seed {}", s);
    }
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& m = self->state.members;
    for (auto i = m.begin(); i != m.end(); ++i)
      if (i->second.agent.address() == dm.source) {
        spdlog::info("cluster: {} left ({})", i->first, caf::to_string(dm.reason));
        m.erase(i);
        self->state.backoff_ms = 250;  // look for it again soon
        return;
      }
  });
  self->send(self, dial_atom_v);
  return {
    [self](hello_atom, node_info& other) {
      learn(self, other);
      return all(self);
    },
    [self](members_atom) { return all(self); },
    [self](dial_atom) { dial(self); },
  };
}

}  // namespace herald::cluster
