#include "actors/namespace_actor.hpp"

#include <optional>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/namespace_home.hpp"
#include "actors/namespace_queries.hpp"
#include "actors/webhook_actor.hpp"
#include "actors/webhooks.hpp"
#include "storage/store.hpp"

namespace herald {

namespace {
using namespace ns_home;
using namespace ns_queries;

// A deleted namespace's actor has answered errors long enough.
struct retired {};
}  // namespace
}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::retired)

namespace herald {
namespace {

// Queues the receipt counts of n live deliveries of `id` and answers n at
// once, as a live-only push to a user does (actors/user_actor.cpp): a
// receipt read goes behind the writes queued before it.
uint64_t counted(self_ptr self, const std::string& id, uint64_t n) {
  auto& st = self->state;
  if (!st.ctx->store->writable()) return n;  // a write fault: the counts are lost, the deliveries are not
  auto b = st.ctx->store->make_batch();
  b.add_counts(st.ns, id, {n, 0});
  b.relax();  // counts, not the message: no WAL sync to wait for
  st.ctx->store->commit(std::move(b), nullptr);  // a failure is counted by the store
  return n;
}

// Publishes to the request's targets; the sessions reached go to `ans`.
// Each recipient answers once its deliveries are handed on and their
// receipt counts queued (durable pushes: stored), so a receipt lookup
// right after the answer finds them.
void publish_to(self_ptr self, publish_request& req, answer_ptr ans) {
  auto& st = self->state;
  st.hub.count_published(now_ms());
  bool to_devices = !req.clients.empty() || !req.device_users.empty();
  auto nodes = (req.all || to_devices) ? as_namespaces(st.ctx->dir->everywhere(st.ns)) : std::vector<ns_handle>{};
  size_t n = req.users.size() + req.rooms.size() + (req.all ? nodes.size() : 0) +
             (to_devices ? nodes.size() : 0);
  auto settings = st.ctx->catalog->get(st.ns);
  int64_t ttl_ms = (req.ttl >= 0 ? req.ttl : settings ? settings->message_ttl : 0) * int64_t{1000};
  // One recipient answers the caller itself: a hop and a timer less.
  if (n == 1 && req.users.size() == 1) {
    auto& user = req.users.front();
    pass_on(self, target<key_kind::user>(self, user), u_push{user, std::move(req.msg), ttl_ms, std::move(ans)},
            st.ctx->ask_timeout);
    return;
  }
  auto g = make_gather(n, std::move(ans));
  for (auto& user : req.users) ask_into(self, g, target<key_kind::user>(self, user), u_push{user, req.msg, ttl_ms, {}});
  for (auto& room : req.rooms) {
    auto m = req.msg;
    m.room = room;
    ask_into(self, g, target<key_kind::room>(self, room), r_publish{room, std::move(m), req.exclude_session});
  }
  if (req.all)
    for (auto& a : nodes) ask_into(self, g, a, all_deliver{req.msg});
  if (to_devices)
    for (auto& a : nodes)
      ask_into(self, g, a, clients_deliver{req.msg, req.clients, req.device_users, req.device_clients});
}

// A device's record lives with its user, at the user's home.
void note_device(self_ptr self, const std::string& user, const std::string& device, storage::device_record patch) {
  if (auto home = owner_elsewhere(self, key_kind::user, user))
    return tell(self, home, u_device_seen{user, device, std::move(patch)});
  self->state.ctx->store->note_device(self->state.ns, user, device, patch);
}

// Registers one of this node's sessions; `welcome` once its user's home has
// it, so a push accepted anywhere after `welcome` reaches it. The home's
// backlog replay and live messages come after its answer (same sender),
// so `welcome` is always first. If the home does not answer (it died), the
// ring change re-attaches the session.
void attach(self_ptr self, attach_session& m) {
  auto& st = self->state;
  auto ref = std::move(m.ref);
  if (!ref.info.client.empty()) {
    auto& d = m.device;
    d.first_seen = d.last_connect = now_ms();
    d.node = st.ctx->node_name;
    note_device(self, ref.info.user, ref.info.client, std::move(d));
  }
  st.attaching.insert(ref.info.session);
  ref.node_ns = self_handle(self);
  auto epoch = st.place.epoch();
  auto done = [self, ans = std::move(m.ans), ref, conn = std::move(m.conn), epoch](bool answered) mutable {
    auto& st = self->state;
    if (!st.attaching.erase(ref.info.session)) return;  // gone meanwhile
    // Placement changed while we asked (the re-attach pass did not see
    // this session yet), or the home did not answer: attach to the home
    // as it is now.
    if (!answered || epoch != st.place.epoch()) {
      spdlog::debug("attach of {} ({}) late: answered={} epoch {}->{}", ref.info.session, ref.info.user, answered,
                    epoch, st.place.epoch());
      attach_to_home(self, ref);
    }
    st.hub.add(ref.info, ref.actor, conn);
    emit_hook(*st.ctx, st.ns, hook_kind::connect, ref.info.user, [&] { return session_fields(ref.info, st.ctx->node_name); });
    conn->send(std::make_shared<const std::string>(
      wire::welcome(ref.info.session, ref.info.user, st.ctx->node_name, st.ctx->lim.heartbeat)));
    ans->give(static_cast<uint64_t>(st.hub.size()));
  };
  // Half the session's own bound, so a dead home means a late welcome, not
  // a closed session.
  auto ask_home = [self, ref, done](const handle<user_interface>& to) mutable {
    ask(self, to, self->state.ctx->ask_timeout / 2, u_attach{ref.info.user, ref})
      .then([done](uint64_t) mutable { done(true); }, [done](caf::error&) mutable { done(false); });
  };
  if (auto home = owner_elsewhere(self, key_kind::user, ref.info.user)) return ask_home(home);
  attach_at_home(self, ref, [ask_home, done](handle<user_interface> a, uint64_t) mutable {
    if (a) ask_home(a);
    else done(true);  // parked here without an actor
  });
}

void join(self_ptr self, join_rooms& m) {
  auto& st = self->state;
  auto* s = st.hub.find(m.session);
  auto g = make_gather(s ? m.rooms.size() : 0, std::move(m.ans));
  if (!s) return;
  session_ref ref{st.hub.info(m.session, *s), s->actor, self_handle(self)};
  for (size_t k = 0; k < m.rooms.size(); ++k) {
    auto& room = m.rooms[k];
    st.hub.join(m.session, room);
    emit_hook(*st.ctx, st.ns, hook_kind::join, s->user, [&] { return room_fields(room, ref.info, st.ctx->node_name); });
    ask_into(self, g, target<key_kind::room>(self, room), r_join{room, ref, k < m.since.size() ? m.since[k] : ""});
  }
}

void leave(self_ptr self, leave_rooms& m) {
  auto& st = self->state;
  auto* s = st.hub.find(m.session);
  auto g = make_gather(s ? m.rooms.size() : 0, std::move(m.ans));
  if (!s) return;
  for (auto& room : m.rooms) {
    st.hub.leave(m.session, room);
    emit_hook(*st.ctx, st.ns, hook_kind::leave, s->user,
              [&] { return room_fields(room, st.hub.info(m.session, *s), st.ctx->node_name, "left"); });
    ask_into(self, g, target<key_kind::room>(self, room), r_leave{room, m.session});
  }
}

// A session of this node ended: it leaves its rooms.
void drop_session(self_ptr self, const std::string& id) {
  auto& st = self->state;
  if (st.attaching.erase(id)) return;  // ended before its attach completed
  auto s = st.hub.remove(id);
  if (!s) return;
  auto info = st.hub.info(id, *s);
  st.home.forget(info.user, id);
  auto& node = st.ctx->node_name;
  auto leaves = hook_sink(*st.ctx, st.ns, hook_kind::leave);
  for (auto& room : s->rooms) {
    tell(self, target<key_kind::room>(self, room), r_leave{room, id});
    if (leaves) send_hook(leaves, hook_kind::leave, info.user, room_fields(room, info, node, "disconnect"));
  }
  if (!info.client.empty()) {
    storage::device_record d;
    d.last_disconnect = now_ms();
    note_device(self, info.user, info.client, std::move(d));
  }
  auto code = s->conn ? s->conn->closed_with() : uint16_t{0};
  emit_hook(*st.ctx, st.ns, hook_kind::disconnect, info.user, [&] {
    return session_fields(info, node) + R"(,"code":)" + std::to_string(code) + R"(,"reason":)" +
           wire::quote(close_reason(code));
  });
}

// The namespace was deleted: its sessions are closed and its user and room
// actors end, but this actor answers every request with an error for one
// ask timeout before it ends. Other nodes may still route to it until they
// learn of the deletion, and a request to a remote actor that has ended is
// dropped without an answer (the caller would wait out its timeout).
void retire(self_ptr self) {
  auto& st = self->state;
  st.hub.close_all(close_code::api_disconnect, "namespace deleted");
  st.hub.clear();  // their ends owe this actor nothing
  if (st.hooks) {  // the namespace's events went with its data
    st.ctx->hooks->remove(st.ns, st.hooks.address());
    self->send_exit(st.hooks, caf::exit_reason::user_shutdown);
  }
  self->set_down_handler([](caf::down_msg&) {});
  end_children(self);
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return to_caf(error{errc::unavailable, "namespace deleted"});
  });
  self->delayed_send(self, st.ctx->ask_timeout, retired{});
  // Reads already under way still answer their callers.
  self->become(caf::behavior{
    [self](receipt_read& r) { finish_read(self, r); },
    [self](retired) { self->quit(); },
  });
}

auto local_side(self_ptr self) {
  return handlers_of<node_local_interface>(
    [self](attach_session& m) { attach(self, m); },
    [self](const session_gone& m) { drop_session(self, m.session); },
    [self](join_rooms& m) { join(self, m); },
    [self](leave_rooms& m) { leave(self, m); },
    [self](publish_call& m) { publish_to(self, m.req, std::move(m.ans)); },
    [self](client_ack& m) {
      self->state.hub.count_acked(now_ms(), m.ids.size());
      // Only a device has a cursor to move: a session without one would
      // activate its user for nothing.
      if (m.client.empty()) return;
      tell(self, target<key_kind::user>(self, m.user), u_ack{m.user, m.client, std::move(m.ids)});
    },
    [self](gather_stats& m) { ask_everywhere(self, stats_request{}, std::move(m.ans), add_stats); },
    [self](gather_receipt& m) { ask_everywhere(self, receipt_request{m.id}, std::move(m.ans), add_receipt); },
    [self](gather_webhooks& m) {
      ask_everywhere(self, webhooks_request{}, std::move(m.ans), [](std::vector<webhook_status>& a, const std::vector<webhook_status>& b) {
        a.insert(a.end(), b.begin(), b.end());
      });
    },
    [self](gather_prune& m) {
      ask_everywhere(self, prune_request{m.before_ms}, std::move(m.ans), [](uint64_t& a, uint64_t b) { a += b; });
    },
    [self](gather_node_stats& m) {
      ask_everywhere(self, node_stats_request{}, std::move(m.ans),
                     [](std::vector<node_stats>& a, const std::vector<node_stats>& b) { a.insert(a.end(), b.begin(), b.end()); });
    });
}

auto fanout_side(self_ptr self) {
  auto& hub = self->state.hub;
  return handlers_of<fanout_interface>(
    [&hub](const deliver& m) { hub.to_sessions(m.msg, m.sessions); },
    [&hub](const replay& m) { hub.replay(m.session, m.msgs); },
    [&hub](const room_deliver& m) { hub.to_room(m.room, m.msg, m.exclude); },
    [&hub](const room_presence& m) {
      hub.to_room_frame(m.room, std::make_shared<const std::string>(wire::presence(m.room, m.event, m.user, m.session)),
                        m.session);
    },
    [self, &hub](const all_deliver& m) { return counted(self, m.msg.id, hub.to_all(m.msg)); },
    [self, &hub](const clients_deliver& m) { return counted(self, m.msg.id, hub.to_clients(m.msg, m.clients, m.device_users, m.device_clients)); });
}

// A child that offered to stop does, if nothing forwarded to it is still
// on its way (the counts agree).
bool stop_if_idle(self_ptr self, key_kind kind, const std::string& key, uint64_t seen) {
  auto a = self->state.home.accept_idle(kind, key, seen);
  if (!a) return false;
  tell(self, handle<child_interface>::assume(*a), child_stop{});  // a user or room actor
  self->state.ctx->stats->passivated(kind == key_kind::user ? "user" : "room").Increment();
  return true;
}

// The home side: key-addressed messages go to their key's actor; an attach
// settles dormancy first; children offer to stop.
auto home_side(self_ptr self) {
  auto route_any = [self](auto& m) { route(self, m); };
  return chain(
    [self](u_attach& m) -> caf::result<uint64_t> {
      if (owner_elsewhere(self, key_kind::user, m.user)) {
        if (!from_other_node(self)) {
          route(self, m);
          return caf::delegated<uint64_t>{};
        }
        schedule_sweep(self);  // handled here for now; the sweep lets it go once views agree
      }
      auto rp = self->make_response_promise<uint64_t>();
      attach_at_home(self, m.ref, [rp, m](handle<user_interface> to, uint64_t n) mutable {
        if (to) rp.delegate(to.raw(), std::move(m));  // u_attach: one of its messages
        else rp.deliver(n);
      });
      return rp;
    },
    handlers_for(interface<u_push, u_info, u_kick, u_ack, u_merge, u_devices, u_forget_device>{}, route_any),
    [self](u_device_seen& m) {
      // Written by the home itself: a connect costs no user actor.
      if (owner_elsewhere(self, key_kind::user, m.user) && !from_other_node(self)) return route(self, m);
      self->state.ctx->store->note_device(self->state.ns, m.user, m.device, m.patch);
    },
    handlers_for(room_interface{}, route_any),
    handlers_of<parent_interface>(
      [self](user_idle& m) {
        if (!stop_if_idle(self, key_kind::user, m.user, m.seen)) return;
        for (auto& ref : m.sessions) park(self, m.user, std::move(ref));
      },
      [self](const room_idle& m) { stop_if_idle(self, key_kind::room, m.room, m.seen); },
      [self](const key_online& m) { self->state.home.set_online(m.kind, m.key, m.on, m.moved); },
      // Out of the tables first, so nothing more is routed to it; then a
      // stop that follows what was (it forwards that to the new owner).
      [self](const handoff_done& m) {
        if (!self->state.children.count(m.child)) return;
        child_ended(self, m.child);
        if (auto a = caf::actor_cast<caf::actor>(m.child)) tell(self, handle<child_interface>::assume(a), child_stop{});
      }),
    [self](const backlog_checked& c) { finish_check(self, c); });
}

auto operator_side(self_ptr self) {
  return handlers_of<operator_interface>(
    [self](placement_changed) {
      // Every step of the pass is idempotent, so it is repeated after 1 s,
      // 5 s and 30 s: a message sent while CAF still routed to a node
      // through the one that just died is lost, and what arrived here
      // through a stale route must move on.
      self->state.place.changed();
      placement_pass_all(self);
      for (auto [after, pass] : {std::pair{1, 1}, std::pair{5, 2}, std::pair{30, 3}})
        self->delayed_send(self, std::chrono::seconds(after), placement_pass{static_cast<uint64_t>(pass)});
    },
    [self](ns_retire) { retire(self); },
    [self](const close_sessions& m) -> uint64_t {
      return self->state.hub.close_share(m.code, m.reason, m.steps_left);
    },
    [self](drain_progress) -> uint64_t { return ns_home::handoffs_pending(self); },
    [self](stats_request) { return share(self); },
    [self](node_stats_request) { return std::vector<node_stats>{{self->state.ctx->node_name, share(self)}}; },
    [self](const receipt_request& m) { read_receipt(self, m.id); },
    [self](const prune_request& m) { start_prune(self, m); },
    [self](webhooks_request) -> caf::result<std::vector<webhook_status>> {
      auto& st = self->state;
      if (!st.hooks) return std::vector<webhook_status>{};
      auto rp = self->make_response_promise<std::vector<webhook_status>>();
      ask(self, handle<webhook_interface>::assume(st.hooks), st.ctx->ask_timeout, webhook_status_request{})
        .then([rp](webhook_status& s) mutable { rp.deliver(std::vector<webhook_status>{std::move(s)}); },
              [rp](caf::error& e) mutable { rp.deliver(e); });
      return rp;
    });
}

}  // namespace

caf::behavior namespace_actor(self_ptr self, std::string ns, context_ptr ctx) {
  auto& st = self->state;
  st.ns = std::move(ns);
  st.ctx = std::move(ctx);
  st.hub = local_hub{st.ctx->stats.get(), st.ctx->node_name};
  // Online / offline once per user: at its home, on its first live session
  // anywhere and after its last.
  st.home.on_presence = [self](const std::string& user, bool online) {
    auto& st = self->state;
    emit_hook(*st.ctx, st.ns, online ? hook_kind::online : hook_kind::offline, user, [] { return std::string{}; });
  };
  if (st.ctx->hooks) {
    // Linked: it ends with this actor (the namespace deleted, the node stopping).
    st.hooks = self->spawn<caf::linked>(webhook_actor, st.ns, st.ctx);
    st.ctx->hooks->add(st.ns, st.hooks);
  }
  // A child that ended (passivated or failed) leaves the tables; a session
  // that ended leaves its rooms; a parked one its user.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.children.count(dm.source)) return child_ended(self, dm.source);
    forget_parked(self, dm.source);
  });
  // An exit (node stopping) ends us and our user and room actors.
  self->set_exit_handler([self](caf::exit_msg& em) {
    self->state.hub.close_all(close_code::going_away, "namespace closed");
    end_children(self);
    self->quit(em.reason ? em.reason : caf::make_error(caf::exit_reason::user_shutdown));
  });
  return compose(
    local_side(self),
    fanout_side(self),
    home_side(self),
    operator_side(self),
    [self](receipt_read& r) { finish_read(self, r); },
    [self](prune_read& r) { finish_prune(self, r); },
    [self](const placement_pass& p) {
      if (p.pass > 0) return placement_pass_all(self);
      self->state.place.swept();
      hand_off_moved(self);
    },
    [self](const stored_keys& k) { queue_stored(self, k); },
    // Counts answering our own re-attach / leave messages: nothing to do.
    [](uint64_t) {});
}

}  // namespace herald
