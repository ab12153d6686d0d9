#include "cluster/membership_actor.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/names.hpp"

namespace herald::cluster {

namespace {
using self_ptr = caf::stateful_actor<membership_state>*;
constexpr auto ask_timeout = std::chrono::seconds(5);
constexpr int max_backoff_ms = 4000;

// This node as it announces itself: its namespaces as they are now.
node_info me(self_ptr self) {
  auto n = self->state.self;
  for (auto& [name, actor] : self->state.dir->local_namespaces()) {
    auto settings = self->state.local->context()->catalog->get(name);
    if (!settings) continue;
    n.ns_names.push_back(name);
    n.ns_actors.push_back(actor);
    n.ns_docs.push_back(settings->to_json());
  }
  return n;
}

// Pushes the members' namespace actors into the directory and tells this
// node's namespace actors that placement may have changed.
void update_directory(self_ptr self) {
  std::map<std::string, cluster_directory::ns_map> m;
  auto& here = self->state.self;
  std::vector<member> view{{here.name, here.http, here.cluster, here.draining, here.relay}};
  for (auto& [name, n] : self->state.members) {
    auto& ns = m[name];
    for (size_t i = 0; i < n.ns_names.size() && i < n.ns_actors.size(); ++i) ns[n.ns_names[i]] = n.ns_actors[i];
    view.push_back(member{n.name, n.http, n.cluster, n.draining, n.relay});
  }
  self->state.dir->set_members(std::move(m), std::move(view));
  for (auto& a : self->state.dir->all_local()) tell(as_namespace(a), placement_changed{});
}

std::vector<node_info> all(self_ptr self) {
  std::vector<node_info> out{me(self)};
  for (auto& kv : self->state.members) out.push_back(kv.second);
  return out;
}

// Connects to a node's cluster address and greets it there. Every member
// is dialled this way, so links are direct and on node.cluster_listen
// (CAF's automatic connections listened on every interface).
void dial_address(self_ptr self, const std::string& addr);

// `direct`: the member speaks for itself. Others' reports of it may be stale
// (a node that just died), so they only make this node dial the ones it
// does not know; they join once they answer.
void learn(self_ptr self, const node_info& n, bool direct);

// Introduces ourselves to `agent` and learns the members it knows.
void greet(self_ptr self, const caf::actor& agent) {
  self->request(agent, ask_timeout, hello_atom_v, me(self))
    .then([self, agent](std::vector<node_info>& list) {
      for (auto& n : list) learn(self, n, n.agent == agent);
    },
    [](caf::error&) {});
}

// Greets every member: tells them this node's namespaces and learns theirs
// and the members they know.
void greet_all(self_ptr self) {
  for (auto& kv : self->state.members) greet(self, kv.second.agent);
}

void learn(self_ptr self, const node_info& n, bool direct) {
  auto& st = self->state;
  if (n.name == st.self.name || !n.agent) return;
  auto i = st.members.find(n.name);
  bool known = i != st.members.end() && i->second.agent == n.agent;
  if (!direct) {
    if (!known) dial_address(self, n.cluster);
    return;
  }
  // A member's settings may change alone (a rotated secret): adopted below
  // without a placement pass, which only its namespaces, actors and state call for.
  bool same_view = known && i->second.ns_names == n.ns_names && i->second.ns_actors == n.ns_actors &&
                   i->second.draining == n.draining;
  if (same_view && i->second.ns_docs == n.ns_docs) return;
  if (known && n.draining && !i->second.draining) spdlog::info("cluster: {} is draining", n.name);
  if (i != st.members.end() && !known) self->demonitor(i->second.agent);  // restarted: a new incarnation
  st.members[n.name] = n;
  // A request to a remote actor that has ended is dropped without an
  // answer: its namespace actors leave the directory once they are down.
  for (auto& a : n.ns_actors)
    if (a && st.watched.insert(a.address()).second) self->monitor(a);
  if (!known) {
    self->monitor(n.agent);
    spdlog::info("cluster: {} joined ({} members)", n.name, st.members.size() + 1);
  }
  // Namespaces exist on every node: adopt the ones this node lacks.
  bool adopted = false;
  for (size_t k = 0; k < n.ns_names.size() && k < n.ns_docs.size(); ++k) {
    if (st.deleted.count(n.ns_names[k])) continue;
    auto s = namespace_settings::from_json(n.ns_names[k], n.ns_docs[k]);
    if (s && st.local->adopt_namespace(std::move(s.value()))) {
      spdlog::info("cluster: namespace {} adopted from {}", n.ns_names[k], n.name);
      adopted = true;
    }
  }
  if (!same_view) update_directory(self);
  if (adopted) self->send(self, announce_atom_v);
  if (!known) greet(self, n.agent);
}

bool is_member_address(self_ptr self, const std::string& addr) {
  for (auto& kv : self->state.members)
    if (kv.second.cluster == addr) return true;
  return false;
}

void dial_address(self_ptr self, const std::string& addr) {
  auto& st = self->state;
  auto hp = parse_host_port(addr);
  if (!hp || addr == st.self.cluster || !st.dialing.insert(addr).second) return;
  auto* stats = st.local ? st.local->context()->stats.get() : nullptr;
  // With [cluster] tls_*, CAF dials a loopback port of the TLS tunnel
  // (net/cluster_tunnel.hpp) that carries the link to the member.
  auto host = hp->host;
  auto port = hp->port;
  if (st.dial_via) {
    auto local = st.dial_via(hp->host, hp->port);
    if (!local) {
      st.dialing.erase(addr);
      if (stats) stats->cluster_dial("failed").Increment();
      return;
    }
    host = "127.0.0.1";
    port = local.value();
  }
  auto mm = caf::actor_cast<caf::actor>(self->home_system().middleman().actor_handle());
  self->request(mm, ask_timeout, caf::connect_atom_v, host, port)
    .then(
      [self, addr, stats](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        self->state.dialing.erase(addr);
        if (stats) stats->cluster_dial(ptr ? "ok" : "failed").Increment();
        if (ptr) greet(self, caf::actor_cast<caf::actor>(ptr));
      },
      [self, addr, stats](caf::error& e) {
        self->state.dialing.erase(addr);
        if (stats) stats->cluster_dial("failed").Increment();
        spdlog::debug("cluster: cannot reach {}: {}", addr, caf::to_string(e));
      });
}

// Runs `dial` after `ms`, replacing the one scheduled before.
void schedule_dial(self_ptr self, int ms) {
  self->delayed_send(self, std::chrono::milliseconds(ms), dial_atom_v, ++self->state.dial_token);
}

void dial(self_ptr self) {
  auto& st = self->state;
  bool missing = false;
  for (auto& [host, port] : st.seeds) {
    auto addr = host + ":" + std::to_string(port);
    if (addr == st.self.cluster || is_member_address(self, addr)) continue;
    missing = true;
    dial_address(self, addr);
  }
  // Gossip: the members' lists bring back a member this node lost while
  // others still see it (a broken link between two of them), and new ones.
  greet_all(self);
  // Back off while seeds are missing; check every few seconds once joined
  // so that partitions heal.
  st.backoff_ms = missing ? std::min(st.backoff_ms * 2, max_backoff_ms) : max_backoff_ms;
  schedule_dial(self, st.backoff_ms);
}
}  // namespace

caf::behavior membership_actor(self_ptr self, node_info info, std::vector<std::string> seeds,
                               std::shared_ptr<cluster_directory> dir, herald::node* local, dial_fn dial_via) {
  auto& st = self->state;
  st.self = std::move(info);
  st.dir = std::move(dir);
  st.local = local;
  st.dial_via = std::move(dial_via);
  st.self.agent = caf::actor{self};
  for (auto& s : seeds) {
    if (auto hp = parse_host_port(s)) st.seeds.emplace_back(hp->host, hp->port);
    else spdlog::warn("cluster: ignoring seed {} (not host:port)", s);
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& m = self->state.members;
    for (auto i = m.begin(); i != m.end(); ++i)
      if (i->second.agent.address() == dm.source) {
        spdlog::info("cluster: {} left ({})", i->first, caf::to_string(dm.reason));
        m.erase(i);
        update_directory(self);
        self->state.backoff_ms = 250;  // look for it again soon
        schedule_dial(self, 250);
        return;
      }
    if (self->state.watched.erase(dm.source) == 0) return;
    for (auto& [name, n] : m)
      for (size_t k = 0; k < n.ns_actors.size(); ++k)
        if (n.ns_actors[k].address() == dm.source) {
          spdlog::debug("cluster: namespace {} on {} ended", k < n.ns_names.size() ? n.ns_names[k] : "?", name);
          n.ns_actors.erase(n.ns_actors.begin() + static_cast<std::ptrdiff_t>(k));
          if (k < n.ns_names.size()) n.ns_names.erase(n.ns_names.begin() + static_cast<std::ptrdiff_t>(k));
          if (k < n.ns_docs.size()) n.ns_docs.erase(n.ns_docs.begin() + static_cast<std::ptrdiff_t>(k));
          update_directory(self);
          return;
        }
  });
  self->send(self, dial_atom_v, st.dial_token);
  update_directory(self);  // the view lists this node from the start
  return {
    [self](hello_atom, node_info& other) {
      learn(self, other, true);
      return all(self);
    },
    [self](members_atom) { return all(self); },
    [self](dial_atom, uint64_t token) {
      if (token == self->state.dial_token) dial(self);
    },
    [self](announce_atom) {
      greet_all(self);
    },
    // This node leaves: from now on it owns no keys, here and (once they
    // hear) on every member, so its namespace actors hand theirs off.
    // Answered once this node's namespace actors have the ring change in
    // their mailboxes.
    [self](drain_atom) {
      if (!self->state.self.draining) spdlog::info("cluster: draining: this node's keys move to the others");
      self->state.self.draining = true;
      update_directory(self);
      greet_all(self);
      return true;
    },
    [self](ns_deleted_atom, const std::string& name, bool spread) {
      self->state.deleted.insert(name);
      if (spread) {
        for (auto& kv : self->state.members) self->send(kv.second.agent, ns_deleted_atom_v, name, false);
      } else {
        self->state.local->drop_namespace(name);
      }
      greet_all(self);
    },
  };
}

}  // namespace herald::cluster
