#include "actors/namespace_actor.hpp"

#include <algorithm>
#include <optional>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/room_actor.hpp"
#include "storage/store.hpp"
#include "actors/user_actor.hpp"

namespace herald {

namespace {
using self_ptr = caf::stateful_actor<namespace_state>*;

// Collects the uint64 answers of several requests into one response.
struct gather {
  std::function<void(uint64_t total, bool failed)> done;
  size_t remaining = 0;
  uint64_t total = 0;
  bool failed = false;

  void add(uint64_t n) {
    total += n;
    finish_one();
  }
  void fail() {
    failed = true;
    finish_one();
  }
  void finish_one() {
    if (--remaining == 0) done(total, failed);
  }
};
using gather_ptr = std::shared_ptr<gather>;

// Gathers n answers into one outcome for `done`.
gather_ptr make_gather(size_t n, std::function<void(uint64_t total, bool failed)> done) {
  auto g = std::make_shared<gather>();
  g->done = std::move(done);
  g->remaining = n;
  if (n == 0) g->done(0, false);
  return g;
}

// Gathers n answers into `ans`.
gather_ptr make_gather(size_t n, answer_ptr ans) {
  return make_gather(n, [ans = std::move(ans)](uint64_t total, bool failed) {
    if (failed) ans->give(error{errc::unavailable, "a recipient did not answer"});
    else ans->give(total);
  });
}

// Asks `dest` for a uint64 and feeds the answer into `g`.
template <class... Ts>
void ask_into(self_ptr self, const gather_ptr& g, const caf::actor& dest, Ts&&... xs) {
  self->request(dest, self->state.ctx->ask_timeout, std::forward<Ts>(xs)...)
    .then([g](uint64_t n) { g->add(n); }, [g](caf::error&) { g->fail(); });
}

bool is_self(self_ptr self, const caf::actor& a) { return a && a.address() == self->address(); }

caf::actor activate(self_ptr self, key_kind kind, const std::string& key);
caf::actor owner_elsewhere(self_ptr self, key_kind kind, const std::string& key);
void schedule_sweep(self_ptr self);

// -- dormant users: sessions kept here while the user has no actor ---------

// The dormant sessions of `user`, for its actor being activated.
std::vector<session_ref> take_dormant(self_ptr self, const std::string& user) {
  auto& st = self->state;
  auto d = st.dormant.find(user);
  if (d == st.dormant.end()) return {};
  auto out = std::move(d->second);
  st.dormant.erase(d);
  for (auto& ref : out)
    if (st.dormant_by_addr.erase(ref.actor.address())) self->demonitor(ref.actor);  // the actor watches it now
  return out;
}

// Keeps `ref` among the user's dormant sessions; returns how many it has.
size_t add_dormant(self_ptr self, const std::string& user, session_ref ref) {
  auto& st = self->state;
  auto& list = st.dormant[user];
  for (auto& r : list)
    if (r.info.session == ref.info.session) return list.size();
  // This node's sessions are watched already (session_by_addr); another
  // node's are watched here until the user's actor takes them.
  if (ref.node_ns.node() != self->node()) {
    self->monitor(ref.actor);
    st.dormant_by_addr.emplace(ref.actor.address(), user);
  } else if (!st.session_by_addr.count(ref.actor.address())) {
    auto n = list.size();
    if (n == 0) st.dormant.erase(user);
    return n;  // ended already
  }
  list.push_back(std::move(ref));
  st.online_users.insert(user);
  return list.size();
}

// A dormant session ended.
void forget_dormant(self_ptr self, const std::string& user, const caf::actor_addr& who) {
  auto& st = self->state;
  auto d = st.dormant.find(user);
  if (d == st.dormant.end()) return;
  auto& list = d->second;
  list.erase(std::remove_if(list.begin(), list.end(), [&](const session_ref& r) { return r.actor.address() == who; }),
             list.end());
  if (!list.empty()) return;
  st.dormant.erase(d);
  st.online_users.erase(user);
}

// Settles a session's attach at its user's home (this node): a user with an
// actor, or a device with a stored backlog to replay, needs the actor, and
// `then(actor, 0)` must hand it the attach (activate counted one message);
// otherwise the session waits here without one and `then({}, sessions)`.
// Whether a device has a backlog is a store read (has_backlog), so a device
// that connects with nothing to replay costs no actor either.
void attach_at_home(self_ptr self, session_ref ref, attach_then then) {
  auto& st = self->state;
  auto user = ref.info.user;  // a copy: ref is moved below
  if (st.users.count(user)) return then(activate(self, key_kind::user, user), 0);
  if (ref.info.client.empty()) return then({}, add_dormant(self, user, std::move(ref)));
  auto token = ++st.next_check;
  auto device = ref.info.client;
  st.checking.emplace(token, pending_attach{std::move(ref), std::move(then)});
  auto* store = st.ctx->store;
  caf::actor me{self};
  store->read([store, me, token, ns = st.ns, user, device = std::move(device)] {
    auto r = store->has_backlog(ns, user, device);
    caf::anon_send(me, checked_atom_v, token, !r || r.value());  // unreadable: let the actor try
  });
}

// The store's answer for a device's attach.
void finish_check(self_ptr self, uint64_t token, bool backlog) {
  auto& st = self->state;
  auto i = st.checking.find(token);
  if (i == st.checking.end()) return;
  auto p = std::move(i->second);
  st.checking.erase(i);
  auto user = p.ref.info.user;  // a copy: p.ref is moved below
  // An actor activated meanwhile (a push) takes it, and replays what came.
  if (backlog || st.users.count(user)) return p.then(activate(self, key_kind::user, user), 0);
  p.then({}, add_dormant(self, user, std::move(p.ref)));
}

// Drops the dormant sessions of users now owned elsewhere: their nodes
// attach them to the new home in the same placement pass.
void drop_moved_dormant(self_ptr self) {
  auto& st = self->state;
  std::vector<std::string> moved;
  for (auto& kv : st.dormant)
    if (owner_elsewhere(self, key_kind::user, kv.first)) moved.push_back(kv.first);
  for (auto& user : moved) {
    take_dormant(self, user);
    st.online_users.erase(user);
  }
}

// Attaches one of this node's sessions to its user's home.
void attach_to_home(self_ptr self, const session_ref& ref) {
  auto& user = ref.info.user;
  if (auto home = owner_elsewhere(self, key_kind::user, user)) {
    self->send(home, u_attach_atom_v, user, ref);
    return;
  }
  attach_at_home(self, ref, [self, ref](caf::actor a, uint64_t) {
    if (a) self->send(a, u_attach_atom_v, ref.info.user, ref);
  });
}

// The actor that handles `key`: this node's activated user/room actor when
// the key is homed here, else the namespace actor on its home node.
caf::actor target(self_ptr self, key_kind kind, const std::string& key) {
  auto& st = self->state;
  auto home = st.ctx->dir->home(st.ns, kind, key);
  if (home && !is_self(self, home)) return home;
  return activate(self, kind, key);
}

// The user/room actor of `key` on this node, activated when needed.
caf::actor activate(self_ptr self, key_kind kind, const std::string& key) {
  auto& st = self->state;
  auto& table = kind == key_kind::user ? st.users : st.rooms;
  auto i = table.find(key);
  if (i == table.end()) {
    // Monitored, not linked: a link puts an entry in this actor's list of
    // attachables, and a child that ends removes it with a linear search
    // under this actor's lock; 10k users passivating at once took ~2 s of
    // that and stalled every push (perf: caf::monitorable_actor::detach_impl).
    // A monitor's entry lives in the child's own list.
    caf::actor a = kind == key_kind::user
                     ? self->spawn(user_actor, st.ns, key, caf::actor{self}, st.ctx, take_dormant(self, key))
                     : self->spawn(room_actor, st.ns, key, caf::actor{self}, st.ctx);
    self->monitor(a);
    i = table.emplace(key, activated_actor{a, 0}).first;
    st.children.emplace(a.address(), std::make_pair(kind == key_kind::room, key));
  }
  ++i->second.sent;
  return i->second.actor;
}

// A message that another node routed here is handled here: the sender's
// ring chose this node, and re-forwarding could bounce between two nodes
// whose views differ for a moment.
bool from_other_node(self_ptr self) {
  auto& sender = self->current_sender();
  return sender && sender->node() != self->node();
}

// Forwards the current request to the key's actor; the answer goes straight
// back to the original sender.
template <class... Ts>
void forward(self_ptr self, key_kind kind, const std::string& key, Ts&&... xs) {
  auto rp = self->make_response_promise();
  caf::actor dest;
  if (from_other_node(self)) {
    dest = activate(self, kind, key);
    if (owner_elsewhere(self, kind, key)) schedule_sweep(self);
  } else {
    dest = target(self, kind, key);
  }
  if (dest.node() != self->node()) self->state.ctx->stats->internode("route").Increment();
  rp.delegate(dest, std::forward<Ts>(xs)...);
}

session_ref ref_of(self_ptr self, const local_session& s) {
  return session_ref{s.info, s.actor, caf::actor{self}};
}

void drop_session(self_ptr self, const caf::actor_addr& who, const std::string& id) {
  auto& st = self->state;
  st.session_by_addr.erase(who);
  auto i = st.sessions.find(id);
  if (i == st.sessions.end()) return;  // ended before its attach completed
  forget_dormant(self, i->second.info.user, who);
  for (auto& room : i->second.rooms) {
    auto r = st.local_rooms.find(room);
    if (r != st.local_rooms.end()) {
      r->second.erase(id);
      if (r->second.empty()) st.local_rooms.erase(r);
    }
    self->send(target(self, key_kind::room, room), r_leave_atom_v, room, id);
  }
  st.sessions.erase(i);
  st.ctx->stats->connections.Decrement();
}

// Counts n frames handed to this node's sessions (stats and metrics).
void count_delivered(self_ptr self, uint64_t n) {
  if (n == 0) return;
  self->state.delivered.add(now_ms(), n);
  self->state.ctx->stats->delivered.Increment(static_cast<double>(n));
}

// Writes one frame to each connection; counts deliveries once per fan-out.
template <class Range, class Pick>
uint64_t fan_out(self_ptr self, const message& msg, const Range& range, Pick pick) {
  frame_ptr frame;
  uint64_t n = 0;
  send_batch batch;
  for (auto& x : range) {
    const connection_ptr* conn = pick(x);
    if (!conn) continue;
    if (!frame) frame = wire::encode(msg);
    (*conn)->send(frame);
    ++n;
  }
  count_delivered(self, n);
  return n;
}

// Answers n once the receipt counts of n deliveries of `id` are stored.
caf::result<uint64_t> counted(self_ptr self, const std::string& id, uint64_t n) {
  auto& st = self->state;
  auto b = st.ctx->store->make_batch();
  b.add_counts(st.ns, id, {n, 0});
  b.relax();  // counts, not the message: no WAL sync to wait for
  auto rp = self->make_response_promise<uint64_t>();
  st.waiting.commit(caf::actor{self}, *st.ctx->store, std::move(b), n, rp);
  return rp;
}

// Publishes `req` to its recipients. The number of sessions reached goes to
// `ans` (the HTTP API's call, or a session's reply).
void publish(self_ptr self, publish_request& req, answer_ptr ans) {
  auto& st = self->state;
  st.published.add(now_ms());
  st.ctx->stats->published.Increment();
  auto nodes = (req.all || !req.clients.empty()) ? st.ctx->dir->everywhere(st.ns)
                                                 : std::vector<caf::actor>{};
  size_t n = req.users.size() + req.rooms.size() + (req.all ? nodes.size() : 0) +
             (req.clients.empty() ? 0 : nodes.size());
  auto settings = st.ctx->catalog->get(st.ns);
  int64_t ttl_ms = (req.ttl >= 0 ? req.ttl : settings ? settings->message_ttl : 0) * int64_t{1000};
  // Each recipient answers once its deliveries and their receipt counts
  // are stored, so a receipt lookup right after the answer finds them.
  // One recipient answers the caller itself: a hop and a timer less.
  if (n == 1 && req.users.size() == 1) {
    auto& user = req.users.front();
    send_push(self, target(self, key_kind::user, user), user, std::move(req.msg), ttl_ms, std::move(ans),
              st.ctx->ask_timeout);
    return;
  }
  auto g = make_gather(n, std::move(ans));
  for (auto& user : req.users)
    ask_into(self, g, target(self, key_kind::user, user), u_push_atom_v, user, req.msg, ttl_ms);
  for (auto& room : req.rooms) {
    auto m = req.msg;
    m.room = room;
    ask_into(self, g, target(self, key_kind::room, room), r_publish_atom_v, room, std::move(m),
             req.exclude_session);
  }
  if (req.all)
    for (auto& a : nodes) ask_into(self, g, a, all_deliver_atom_v, req.msg);
  if (!req.clients.empty())
    for (auto& a : nodes) ask_into(self, g, a, c_deliver_atom_v, req.msg, req.clients);
}

// Forgets a child that ended. A passivated one has left its table already,
// and a newer actor may hold its key by now: erase only the same actor.
// Returns whether it was handing its key off.
bool erase_activated(self_ptr self, const caf::actor_addr& who, bool is_room, const std::string& key) {
  auto& table = is_room ? self->state.rooms : self->state.users;
  auto i = table.find(key);
  if (i == table.end() || i->second.actor.address() != who) return false;
  bool leaving = i->second.leaving;
  table.erase(i);
  return leaving;
}

constexpr size_t max_handoffs = 64;

// The home of (kind, key) when it is another node, else an invalid handle.
caf::actor owner_elsewhere(self_ptr self, key_kind kind, const std::string& key) {
  auto home = self->state.ctx->dir->home(self->state.ns, kind, key);
  return home && !is_self(self, home) ? home : caf::actor{};
}

void start_handoff(self_ptr self, activated_actor& a, caf::actor to) {
  a.leaving = true;
  ++self->state.handoffs_running;
  self->send(a.actor, handoff_atom_v, std::move(to));
}

// Active user/room actors whose key another node owns now hand their
// state to it (they forward what still reaches them meanwhile).
void hand_off_moved(self_ptr self) {
  auto& st = self->state;
  drop_moved_dormant(self);
  for (auto* table : {&st.users, &st.rooms}) {
    auto kind = table == &st.users ? key_kind::user : key_kind::room;
    for (auto& [key, a] : *table)
      if (!a.leaving)
        if (auto to = owner_elsewhere(self, kind, key)) start_handoff(self, a, std::move(to));
  }
}

// Keys the store holds and another node owns: activated one batch at a
// time (each loads its state) and handed off.
void pump_handoffs(self_ptr self) {
  auto& st = self->state;
  while (st.handoffs_running < max_handoffs && !st.handoff_queue.empty()) {
    auto [is_room, key] = std::move(st.handoff_queue.front());
    st.handoff_queue.pop_front();
    auto kind = is_room ? key_kind::room : key_kind::user;
    auto& table = is_room ? st.rooms : st.users;
    if (table.count(key)) continue;  // active: hand_off_moved sees to it
    auto to = owner_elsewhere(self, kind, key);
    if (!to) continue;
    activate(self, kind, key);
    start_handoff(self, table[key], std::move(to));
  }
}

// Lists the keys the store holds, off the actor's thread; the answer is (keys).
void scan_store(self_ptr self) {
  auto* store = self->state.ctx->store;
  caf::actor me{self};
  store->read([store, me, ns = self->state.ns] {
    auto k = store->keys(ns);
    if (!k) {
      spdlog::error("cannot list the keys of {}: {}", ns, k.err().message);
      return;
    }
    caf::anon_send(me, keys_atom_v, std::move(k.value().users), std::move(k.value().rooms));
  });
}

// One placement pass after 2 s, for actors activated here by a node that
// still thought this one owned their key.
void schedule_sweep(self_ptr self) {
  if (self->state.sweep_scheduled) return;
  self->state.sweep_scheduled = true;
  self->delayed_send(self, std::chrono::seconds(2), ring_atom_v, uint64_t{0});
}

void reattach_all(self_ptr self) {
  auto& st = self->state;
  for (auto& [id, s] : st.sessions) {
    auto ref = ref_of(self, s);
    spdlog::debug("ring {}: re-attach {} ({})", st.ring_epoch, id, s.info.user);
    attach_to_home(self, ref);
    for (auto& room : s.rooms) self->send(target(self, key_kind::room, room), r_join_atom_v, room, ref, std::string{});
  }
}

// One placement pass: sessions to their current homes, and the durable
// state of keys that moved away (active ones now, stored ones as the scan
// finds them) to their new owners.
void placement_pass(self_ptr self) {
  reattach_all(self);
  hand_off_moved(self);
  scan_store(self);
}

uint64_t close_all(self_ptr self, uint16_t code, const std::string& reason) {
  for (auto& kv : self->state.sessions) kv.second.conn->close(code, reason);
  return self->state.sessions.size();
}

// Ends every user and room actor this actor spawned.
void end_children(self_ptr self, caf::exit_reason reason) {
  for (auto& [addr, child] : self->state.children)
    if (auto a = caf::actor_cast<caf::actor>(addr)) self->send_exit(a, reason);
}

// Delivers the answer of the receipt read `token`.
void finish_read(self_ptr self, uint64_t token, receipt_counts& out, const std::string& failure) {
  auto& reading = self->state.reading;
  auto i = reading.find(token);
  if (i == reading.end()) return;
  if (failure.empty()) i->second.deliver(out);
  else i->second.deliver(caf::make_error(caf::sec::runtime_error, "store: " + failure));
  reading.erase(i);
}

// The namespace was deleted: its sessions are closed and its user and
// room actors end, but this actor answers every request with an error for
// one ask timeout before it ends. Other nodes may still route to it until
// they learn of the deletion, and a request to a remote actor that has
// ended is dropped without an answer (the caller would wait out its
// timeout).
void retire(self_ptr self) {
  auto& st = self->state;
  close_all(self, close_code::api_disconnect, "namespace deleted");
  // Its sessions ending leave nothing to do here: they are counted gone now.
  st.ctx->stats->connections.Decrement(static_cast<double>(st.sessions.size()));
  st.sessions.clear();
  self->set_down_handler([](caf::down_msg&) {});
  end_children(self, caf::exit_reason::user_shutdown);
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::make_error(caf::sec::runtime_error, "namespace deleted");
  });
  self->delayed_send(self, st.ctx->ask_timeout, stop_atom_v);
  // Writes and reads already under way still answer their callers.
  self->become(caf::behavior{
    [self](committed_atom, uint64_t token, uint64_t n, const std::string& failure) {
      self->state.waiting.finish(token, n, failure);
    },
    [self](receipt_atom, uint64_t token, receipt_counts& out, const std::string& failure) {
      finish_read(self, token, out, failure);
    },
    [self](stop_atom) { self->quit(); },
  });
}

}  // namespace

caf::behavior namespace_actor(self_ptr self, std::string ns, context_ptr ctx) {
  self->state.ns = std::move(ns);
  self->state.ctx = std::move(ctx);
  // A user/room actor that ended (passivated or failed) leaves the tables
  // (a passivated one has left them already); a session that ended leaves
  // its rooms.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto child = self->state.children.find(dm.source);
    if (child != self->state.children.end()) {
      auto [is_room, key] = child->second;
      bool was_leaving = erase_activated(self, dm.source, is_room, key);
      self->state.children.erase(child);
      if (was_leaving) {
        --self->state.handoffs_running;
        pump_handoffs(self);
      }
      return;
    }
    auto i = self->state.session_by_addr.find(dm.source);
    if (i != self->state.session_by_addr.end()) return drop_session(self, dm.source, std::string(i->second));
    auto d = self->state.dormant_by_addr.find(dm.source);
    if (d != self->state.dormant_by_addr.end()) {
      auto user = std::move(d->second);
      self->state.dormant_by_addr.erase(d);
      forget_dormant(self, user, dm.source);
    }
  });
  // An exit (node stopping) ends us and our user and room actors.
  self->set_exit_handler([self](caf::exit_msg& em) {
    close_all(self, close_code::going_away, "namespace closed");
    end_children(self, caf::exit_reason::user_shutdown);
    self->quit(em.reason ? em.reason : caf::make_error(caf::exit_reason::user_shutdown));
  });
  return {
    // -- local side ---------------------------------------------------------
    [self](attach_atom, session_ref& ref, connection_ptr& conn, answer_ptr& ans) {
      auto& st = self->state;
      auto id = ref.info.session;
      self->monitor(ref.actor);
      st.session_by_addr[ref.actor.address()] = id;
      ref.node_ns = caf::actor{self};
      auto user = ref.info.user;
      // The session joins this node's fan-out and gets `welcome` once its
      // user's home has it: a push accepted anywhere after `welcome` reaches
      // it. The home's backlog replay and live messages come after its
      // answer (same sender), so `welcome` is always first. If the home does
      // not answer (it died), the ring change re-attaches the session.
      auto epoch = st.ring_epoch;
      auto done = [self, ans, ref, conn, epoch](bool answered) mutable {
        auto& st = self->state;
        auto id = ref.info.session;
        if (!st.session_by_addr.count(ref.actor.address())) return;  // gone meanwhile
        // Placement changed while we asked (the re-attach pass did not see
        // this session yet), or the home did not answer: attach to the home
        // as it is now.
        if (!answered || epoch != st.ring_epoch) {
          spdlog::debug("attach of {} ({}) late: answered={} epoch {}->{}", id, ref.info.user, answered, epoch,
                        st.ring_epoch);
          attach_to_home(self, ref);
        }
        st.sessions[id] = local_session{ref.info, ref.actor, conn, {}};
        st.ctx->stats->connections.Increment();
        st.ctx->stats->connections_total.Increment();
        conn->send(std::make_shared<const std::string>(
          wire::welcome(id, ref.info.user, st.ctx->node_name, st.ctx->lim.heartbeat)));
        ans->give(static_cast<uint64_t>(st.sessions.size()));
      };
      // Half the session's own bound, so a dead home means a late welcome,
      // not a closed session.
      auto ask = [self, user, ref, done](const caf::actor& to) mutable {
        self->request(to, self->state.ctx->ask_timeout / 2, u_attach_atom_v, user, ref)
          .then([done](uint64_t) mutable { done(true); }, [done](caf::error&) mutable { done(false); });
      };
      if (auto home = owner_elsewhere(self, key_kind::user, user)) return ask(home);
      attach_at_home(self, ref, [ask, done](caf::actor a, uint64_t) mutable {
        if (a) ask(a);
        else done(true);  // waits here without an actor
      });
    },
    [self](join_atom, const std::string& id, const std::vector<std::string>& rooms,
           const std::vector<std::string>& since, answer_ptr& ans) {
      auto& st = self->state;
      auto s = st.sessions.find(id);
      auto g = make_gather(s == st.sessions.end() ? 0 : rooms.size(), std::move(ans));
      if (s == st.sessions.end()) return;
      for (size_t k = 0; k < rooms.size(); ++k) {
        auto& room = rooms[k];
        s->second.rooms.insert(room);
        st.local_rooms[room][id] = s->second.conn;
        ask_into(self, g, target(self, key_kind::room, room), r_join_atom_v, room,
                 ref_of(self, s->second), k < since.size() ? since[k] : std::string{});
      }
    },
    [self](leave_atom, const std::string& id, const std::vector<std::string>& rooms, answer_ptr& ans) {
      auto& st = self->state;
      auto s = st.sessions.find(id);
      auto g = make_gather(s == st.sessions.end() ? 0 : rooms.size(), std::move(ans));
      if (s == st.sessions.end()) return;
      for (auto& room : rooms) {
        s->second.rooms.erase(room);
        auto r = st.local_rooms.find(room);
        if (r != st.local_rooms.end()) {
          r->second.erase(id);
          if (r->second.empty()) st.local_rooms.erase(r);
        }
        ask_into(self, g, target(self, key_kind::room, room), r_leave_atom_v, room, id);
      }
    },
    [self](publish_atom, publish_request& req, answer_ptr& ans) { publish(self, req, std::move(ans)); },
    [self](committed_atom, uint64_t token, uint64_t total, const std::string& failure) {
      self->state.waiting.finish(token, total, failure);
    },
    [self](ack_atom, const std::string& user, const std::string& client,
           std::vector<std::string>& ids) {
      auto& st = self->state;
      st.acked.add(now_ms(), ids.size());
      st.ctx->stats->acked.Increment(static_cast<double>(ids.size()));
      // Only a device has a cursor to move: a session without one would
      // activate its user for nothing.
      if (client.empty()) return;
      self->send(target(self, key_kind::user, user), u_ack_atom_v, user, client, std::move(ids));
    },
    [self](stats_atom) {
      auto& st = self->state;
      auto now = now_ms();
      return ns_stats{st.sessions.size(), st.online_users.size(), st.active_rooms.size(),
                      st.published.totals(now), st.delivered.totals(now), st.acked.totals(now)};
    },
    [self](shutdown_atom, uint16_t code, const std::string& reason) -> uint64_t {
      return close_all(self, code, reason);
    },
    [self](ns_delete_atom) { retire(self); },
    // Counts answering our own re-attach / leave messages: nothing to do.
    [](uint64_t) {},
    [self](ring_atom) {
      // Placement may have changed. Every step of the pass is idempotent,
      // so it is repeated after 1 s, 5 s and 30 s: a message sent while CAF
      // still routed to a node through the one that just died is lost, and
      // what arrived here through a stale route must move on.
      ++self->state.ring_epoch;
      placement_pass(self);
      self->delayed_send(self, std::chrono::seconds(1), ring_atom_v, uint64_t{1});
      self->delayed_send(self, std::chrono::seconds(5), ring_atom_v, uint64_t{2});
      self->delayed_send(self, std::chrono::seconds(30), ring_atom_v, uint64_t{3});
    },
    [self](ring_atom, uint64_t pass) {
      if (pass == 0) {
        self->state.sweep_scheduled = false;
        return hand_off_moved(self);
      }
      placement_pass(self);
    },
    [self](keys_atom, const std::vector<std::string>& users, const std::vector<std::string>& rooms) {
      auto& q = self->state.handoff_queue;
      for (auto& u : users)
        if (owner_elsewhere(self, key_kind::user, u)) q.emplace_back(false, u);
      for (auto& r : rooms)
        if (owner_elsewhere(self, key_kind::room, r)) q.emplace_back(true, r);
      pump_handoffs(self);
    },
    [self](u_merge_atom a, const std::string& user, handoff_state& in) {
      forward(self, key_kind::user, user, a, user, std::move(in));
    },
    [self](r_merge_atom a, const std::string& room, handoff_state& in) {
      forward(self, key_kind::room, room, a, room, std::move(in));
    },
    // -- home side: forwarded to the user/room actor --------------------------
    [self](u_attach_atom a, const std::string& user, session_ref& ref) -> caf::result<uint64_t> {
      bool routed = from_other_node(self);
      if (owner_elsewhere(self, key_kind::user, user)) {
        if (!routed) {
          forward(self, key_kind::user, user, a, user, std::move(ref));
          return caf::delegated<uint64_t>{};
        }
        schedule_sweep(self);  // handled here for now; the sweep lets it go once views agree
      }
      auto rp = self->make_response_promise<uint64_t>();
      attach_at_home(self, ref, [rp, a, user, ref](caf::actor to, uint64_t n) mutable {
        if (to) rp.delegate(to, a, user, std::move(ref));
        else rp.deliver(n);
      });
      return rp;
    },
    [self](u_push_atom a, const std::string& user, message& msg, int64_t ttl_ms) {
      forward(self, key_kind::user, user, a, user, std::move(msg), ttl_ms);
    },
    [self](u_info_atom a, const std::string& user) { forward(self, key_kind::user, user, a, user); },
    [self](u_kick_atom a, const std::string& user, uint16_t code) {
      forward(self, key_kind::user, user, a, user, code);
    },
    [self](u_ack_atom a, const std::string& user, const std::string& client,
           std::vector<std::string>& ids) {
      forward(self, key_kind::user, user, a, user, client, std::move(ids));
    },
    [self](r_join_atom a, const std::string& room, session_ref& ref, const std::string& since) {
      forward(self, key_kind::room, room, a, room, std::move(ref), since);
    },
    [self](r_leave_atom a, const std::string& room, const std::string& session) {
      forward(self, key_kind::room, room, a, room, session);
    },
    [self](r_publish_atom a, const std::string& room, message& msg, const std::string& exclude) {
      forward(self, key_kind::room, room, a, room, std::move(msg), exclude);
    },
    [self](r_info_atom a, const std::string& room) { forward(self, key_kind::room, room, a, room); },
    [self](r_history_atom a, const std::string& room, uint64_t limit, const std::string& since) {
      forward(self, key_kind::room, room, a, room, limit, since);
    },
    [self](idle_atom, bool is_room, const std::string& key, uint64_t seen) {
      auto& table = is_room ? self->state.rooms : self->state.users;
      auto i = table.find(key);
      // Only when nothing we forwarded is still in its mailbox.
      if (i == table.end() || i->second.sent != seen || i->second.leaving) return;
      self->send(i->second.actor, stop_atom_v);
      table.erase(i);
      self->state.ctx->stats->passivated(is_room ? "room" : "user").Increment();
    },
    [self](checked_atom, uint64_t token, bool backlog) { finish_check(self, token, backlog); },
    [self](idle_atom, const std::string& user, uint64_t seen, std::vector<session_ref>& sessions) {
      auto& st = self->state;
      auto i = st.users.find(user);
      if (i == st.users.end() || i->second.sent != seen || i->second.leaving) return;
      self->send(i->second.actor, stop_atom_v);
      st.users.erase(i);
      st.ctx->stats->passivated("user").Increment();
      for (auto& ref : sessions) add_dormant(self, user, std::move(ref));
    },
    [self](online_atom, bool is_room, const std::string& key, bool on) {
      auto& set = is_room ? self->state.active_rooms : self->state.online_users;
      if (on) set.insert(key);
      else set.erase(key);
    },
    // -- local fan-out ------------------------------------------------------
    [self](deliver_atom, const message& msg, const std::vector<std::string>& ids) {
      auto& sessions = self->state.sessions;
      fan_out(self, msg, ids, [&](const std::string& id) -> const connection_ptr* {
        auto i = sessions.find(id);
        return i == sessions.end() ? nullptr : &i->second.conn;
      });
    },
    [self](deliver_atom, const std::vector<message>& msgs, const std::string& id) {
      // A replay (backlog or room history) for one session, in order.
      auto i = self->state.sessions.find(id);
      if (i == self->state.sessions.end()) return;
      for (auto& m : msgs) i->second.conn->send(wire::encode(m));
      count_delivered(self, msgs.size());
    },
    [self](r_deliver_atom, const std::string& room, const message& msg, const std::string& exclude) {
      auto r = self->state.local_rooms.find(room);
      if (r == self->state.local_rooms.end()) return;
      fan_out(self, msg, r->second, [&](const auto& kv) -> const connection_ptr* {
        return kv.first == exclude ? nullptr : &kv.second;
      });
    },
    [self](all_deliver_atom, const message& msg) {
      auto n = fan_out(self, msg, self->state.sessions,
                       [](const auto& kv) -> const connection_ptr* { return &kv.second.conn; });
      return counted(self, msg.id, n);
    },
    [self](c_deliver_atom, const message& msg, const std::vector<std::string>& clients) {
      std::unordered_set<std::string> want(clients.begin(), clients.end());
      auto n = fan_out(self, msg, self->state.sessions, [&](const auto& kv) -> const connection_ptr* {
        return want.count(kv.second.info.client) ? &kv.second.conn : nullptr;
      });
      return counted(self, msg.id, n);
    },
    // -- receipts: this node's counts of a message -----------------------------
    [self](receipt_atom, const std::string& id) {
      auto& st = self->state;
      auto token = ++st.next_read;
      auto rp = self->make_response_promise<receipt_counts>();
      st.reading.emplace(token, rp);
      auto* store = st.ctx->store;
      caf::actor me{self};
      store->read([store, me, token, ns = st.ns, id] {
        auto r = store->receipt(ns, id);
        receipt_counts out;
        if (r && r.value()) out = {true, r.value()->sent, r.value()->acked};
        caf::anon_send(me, receipt_atom_v, token, out, r ? std::string{} : r.err().message);
      });
      return rp;
    },
    [self](receipt_atom, uint64_t token, receipt_counts& out, const std::string& failure) {
      finish_read(self, token, out, failure);
    },
  };
}

}  // namespace herald
