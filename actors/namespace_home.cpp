#include "actors/namespace_home.hpp"

#include <spdlog/spdlog.h>

#include "actors/room_actor.hpp"
#include "actors/user_actor.hpp"
#include "storage/store.hpp"

namespace herald::ns_home {

namespace {
bool is_self(self_ptr self, const ns_handle& a) { return a && a.address() == self->address(); }

// The parked sessions of `user`, for its actor being activated: it watches
// them from now on.
std::vector<session_ref> unpark(self_ptr self, const std::string& user) {
  auto& st = self->state;
  auto parked = st.home.unpark(user);
  auto out = std::move(parked.remote);
  for (auto& ref : out)
    if (st.parked_by_addr.erase(ref.actor.address())) self->demonitor(ref.actor.raw());
  // A local id the hub does not have is a session that ended meanwhile.
  for (auto& id : parked.local)
    if (auto* s = st.hub.find(id)) out.push_back(session_ref{st.hub.info(id, *s), s->actor, self_handle(self)});
  return out;
}

// Hands the key of `c` to its new owner `to`; the child forwards what
// still reaches it meanwhile.
void start_handoff(self_ptr self, home_registry::child& c, const ns_handle& to) {
  c.leaving = true;
  tell(self, handle<child_interface>::assume(c.actor), hand_off{to.raw()});  // a user or room actor
}

// Keys the store holds that another node owns: activated a batch at a time
// (each loads its state) and handed off.
void pump_handoffs(self_ptr self) {
  auto& st = self->state;
  auto batch = st.place.next([&](key_kind kind, const std::string& key) {
    return st.home.find(kind, key) != nullptr || !owner_elsewhere(self, kind, key);  // active: hand_off_moved's
  });
  for (auto& [kind, key] : batch) {
    auto to = owner_elsewhere(self, kind, key);
    activate(self, kind, key);
    start_handoff(self, *st.home.find(kind, key), std::move(to));
  }
}

// Lists the keys the store holds, off the actor's thread.
void scan_store(self_ptr self) {
  auto* store = self->state.ctx->store;
  caf::actor me{self};
  self->state.place.scan_started();
  store->read([store, me, ns = self->state.ns] {
    auto k = store->keys(ns);
    if (!k) {
      spdlog::error("cannot list the keys of {}: {}", ns, k.err().message);
      caf::anon_send(me, stored_keys{});  // the scan is over, with nothing to hand off
      return;
    }
    caf::anon_send(me, stored_keys{std::move(k.value().users), std::move(k.value().rooms)});
  });
}

// Drops the parked sessions of users now owned elsewhere: their nodes
// attach them to the new home in the same placement pass.
void drop_moved_parked(self_ptr self) {
  auto& home = self->state.home;
  for (auto& user : home.dormant_users())
    if (owner_elsewhere(self, key_kind::user, user)) {
      unpark(self, user);
      home.set_online(key_kind::user, user, false, true);
    }
}

void reattach_all(self_ptr self) {
  auto& st = self->state;
  for (auto& [id, s] : st.hub.sessions()) {
    session_ref ref{st.hub.info(id, s), s.actor, self_handle(self)};
    spdlog::debug("ring {}: re-attach {} ({})", st.place.epoch(), id, s.user);
    attach_to_home(self, ref);
    for (auto& room : s.rooms) tell(self, target<key_kind::room>(self, room), r_join{room, ref, {}});
  }
}
}  // namespace

ns_handle owner_elsewhere(self_ptr self, key_kind kind, const std::string& key) {
  auto home = as_namespace(self->state.ctx->dir->home(self->state.ns, kind, key));
  return home && !is_self(self, home) ? home : ns_handle{};
}

caf::actor activate(self_ptr self, key_kind kind, const std::string& key) {
  auto& st = self->state;
  auto* c = st.home.find(kind, key);
  if (!c) {
    // Monitored, not linked: a link puts an entry in this actor's list of
    // attachables, and a child that ends removes it with a linear search
    // under this actor's lock; 10k users passivating at once took ~2 s of
    // that and stalled every push (perf: caf::monitorable_actor::detach_impl).
    // A monitor's entry lives in the child's own list.
    caf::actor a = kind == key_kind::user
                     ? self->spawn(user_actor, st.ns, key, self_handle(self), st.ctx, unpark(self, key))
                     : self->spawn(room_actor, st.ns, key, self_handle(self), st.ctx);
    self->monitor(a);
    st.children.emplace(a.address(), std::make_pair(kind, key));
    c = &st.home.add(kind, key, std::move(a));
  }
  ++c->sent;
  return c->actor;
}

bool from_other_node(self_ptr self) {
  auto& sender = self->current_sender();
  return sender && sender->node() != self->node();
}

// One placement pass after 2 s, for actors activated here by a node that
// still thought this one owned their key.
void schedule_sweep(self_ptr self) {
  if (self->state.place.want_sweep()) self->delayed_send(self, std::chrono::seconds(2), placement_pass{0});
}

size_t park(self_ptr self, const std::string& user, session_ref ref) {
  auto& st = self->state;
  if (ref.node_ns.node() != self->node()) {
    // This node's sessions say when they end (session_gone); another
    // node's are watched here until the user's actor takes them.
    if (st.parked_by_addr.emplace(ref.actor.address(), std::make_pair(user, ref.info.session)).second)
      self->monitor(ref.actor.raw());
    return st.home.park(user, std::move(ref));
  }
  if (!st.attaching.count(ref.info.session) && !st.hub.find(ref.info.session))
    return st.home.parked(user);  // ended already
  return st.home.park_local(user, std::move(ref.info.session));
}

void forget_parked(self_ptr self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto d = st.parked_by_addr.find(who);
  if (d == st.parked_by_addr.end()) return;
  auto [user, session] = std::move(d->second);
  st.parked_by_addr.erase(d);
  st.home.forget(user, session);
}

// Whether a device has a backlog is a store read (has_backlog), so a
// device that connects with nothing to replay costs no actor either.
void attach_at_home(self_ptr self, session_ref ref, attach_then then) {
  auto& st = self->state;
  auto user = ref.info.user;  // a copy: ref is moved below
  if (st.home.find(key_kind::user, user)) return then(activate<key_kind::user>(self, user), 0);
  if (ref.info.client.empty()) return then({}, park(self, user, std::move(ref)));
  auto device = ref.info.client;
  auto token = st.home.wait_for_check({std::move(ref), std::move(then)});
  auto* store = st.ctx->store;
  caf::actor me{self};
  store->read([store, me, token, ns = st.ns, user, device = std::move(device)] {
    auto r = store->has_backlog(ns, user, device);
    caf::anon_send(me, backlog_checked{token, !r || r.value()});  // unreadable: let the actor try
  });
}

void finish_check(self_ptr self, const backlog_checked& c) {
  auto& st = self->state;
  auto p = st.home.checked(c.token);
  if (!p) return;
  auto user = p->ref.info.user;  // a copy: p->ref is moved below
  // An actor activated meanwhile (a push) takes it, and replays what came.
  if (c.backlog || st.home.find(key_kind::user, user)) return p->then(activate<key_kind::user>(self, user), 0);
  p->then({}, park(self, user, std::move(p->ref)));
}

void attach_to_home(self_ptr self, const session_ref& ref) {
  auto& user = ref.info.user;
  if (auto home = owner_elsewhere(self, key_kind::user, user)) {
    tell(self, home, u_attach{user, ref});
    return;
  }
  attach_at_home(self, ref, [self, ref](handle<user_interface> a, uint64_t) {
    if (a) tell(self, a, u_attach{ref.info.user, ref});
  });
}

void child_ended(self_ptr self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto c = st.children.find(who);
  if (c == st.children.end()) return;
  auto [kind, key] = std::move(c->second);
  st.children.erase(c);
  if (st.home.ended(kind, key, who).value_or(false)) {
    st.place.finished();
    pump_handoffs(self);
  }
}

// Active user/room actors whose key another node owns now hand their
// state to it (they forward what still reaches them meanwhile).
void hand_off_moved(self_ptr self) {
  auto& st = self->state;
  drop_moved_parked(self);
  st.home.each([&](key_kind kind, const std::string& key, home_registry::child& c) {
    if (c.leaving) return;
    if (auto to = owner_elsewhere(self, kind, key)) {
      st.place.started();
      start_handoff(self, c, std::move(to));
    }
  });
}

size_t handoffs_pending(self_ptr self) { return self->state.place.pending(); }

void queue_stored(self_ptr self, const stored_keys& k) {
  auto& place = self->state.place;
  place.scan_done();
  for (auto& u : k.users)
    if (owner_elsewhere(self, key_kind::user, u)) place.queue(key_kind::user, u);
  for (auto& r : k.rooms)
    if (owner_elsewhere(self, key_kind::room, r)) place.queue(key_kind::room, r);
  pump_handoffs(self);
}

// Every step is idempotent (see the placement_changed handler).
void placement_pass_all(self_ptr self) {
  reattach_all(self);
  hand_off_moved(self);
  scan_store(self);
}

void end_children(self_ptr self) {
  for (auto& [addr, child] : self->state.children)
    if (auto a = caf::actor_cast<caf::actor>(addr)) self->send_exit(a, caf::exit_reason::user_shutdown);
}

}  // namespace herald::ns_home
