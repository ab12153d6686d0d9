#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>

#include "actors/pass_on.hpp"
#include "actors/user_actor_parts.hpp"
#include "actors/webhooks.hpp"
#include "actors/wire.hpp"

namespace herald::user_parts {

// One tick per passivation period while the actor lives, armed once it has
// loaded and re-armed by each tick (not one timer per message: each would
// wake CAF's clock thread); it carries the message count at arming, so a
// tick that finds it unchanged saw a quiet period.
void schedule_idle(self_ptr self) {
  self->delayed_send(self, passivate_delay(*self->state.ctx), idle_tick{self->state.seen});
}

// Nothing in flight: the actor may passivate, live sessions or not (the
// namespace actor keeps those while it is dormant).
bool idle(self_ptr self) {
  auto& s = self->state;
  return s.waiting.empty() && s.replaying.empty() && s.ack_checks.empty() && s.device_ops.empty();
}

// A message other than an attach (or a replay's ack): the actor stays for
// a passivation period.
void count_work(user_state& s) {
  ++s.seen;
  s.only_attached = false;
}

namespace {
// Offers the parent to passivate, handing it the live sessions.
void send_idle(self_ptr self) {
  auto& s = self->state;
  s.inbox.drop_expired(now_ms());
  std::vector<session_ref> live;
  live.reserve(s.sessions.size());
  for (auto& kv : s.sessions) live.push_back(kv.second);
  tell(self, s.parent, user_idle{s.user, s.seen, std::move(live)});
}

}  // namespace

// An actor activated for devices' attaches passivates once their backlogs
// are replayed: a connecting device costs an actor for its replay only.
void done_attaching(self_ptr self) {
  if (self->state.only_attached && idle(self)) send_idle(self);
}

namespace {
// Hands `msg` to every live session, one message per node.
uint64_t deliver_live(self_ptr self, const message& msg) {
  std::map<handle<fanout_interface>, std::vector<std::string>> by_node;
  for (auto& [id, ref] : self->state.sessions)
    if (!self->state.replaying.count(id)) by_node[ref.node_ns].push_back(id);
  for (auto& [node_ns, ids] : by_node) {
    if (node_ns.node() != self->node()) self->state.ctx->stats->internode("user").Increment();
    tell(self, node_ns, deliver{msg, std::move(ids)});
  }
  return self->state.sessions.size();
}

std::string undelivered_fields(const std::string& id, int64_t expires_at, const std::vector<std::string>& devices,
                               const std::string& data) {
  std::string out = R"("message":)" + wire::quote(id) + R"(,"expires":)" + std::to_string(expires_at) + R"(,"devices":[)";
  for (size_t i = 0; i < devices.size(); ++i) out += (i ? "," : "") + wire::quote(devices[i]);
  out += "]";
  if (!data.empty()) out += R"(,"data":)" + data;
  return out;
}

void arm_ack_checks(self_ptr self) {
  auto& s = self->state;
  if (s.ack_timer || s.ack_checks.empty()) return;
  s.ack_timer = true;
  auto wait = std::max<int64_t>(0, s.ack_checks.front().due_ms - now_ms());
  self->delayed_send(self, std::chrono::milliseconds(wait), ack_due{});
}

// The webhook's `undelivered`: a durable message no session of the user
// got (every device that ever acked has it to come), or one that devices
// it reached have not acked in time, so the business system can reach the
// phone another way (APNs, FCM).
void watch_delivery(self_ptr self, const message& msg, const inbox_entry& e) {
  auto& s = self->state;
  auto settings = s.ctx->catalog->get(s.ns);
  if (!settings || !settings->wants(hook_kind::undelivered)) return;
  auto data = settings->undelivered_data ? msg.data : std::string{};
  if (s.sessions.empty()) {
    if (auto sink = s.ctx->hooks ? s.ctx->hooks->find(s.ns) : caf::actor{})  // wanted: checked above
      send_hook(sink, hook_kind::undelivered, s.user, undelivered_fields(msg.id, e.expires_at, s.inbox.devices(), data));
    return;
  }
  if (settings->undelivered_after <= 0) return;
  std::vector<std::string> devices;
  for (auto& kv : s.sessions)
    if (!kv.second.info.client.empty() &&
        std::find(devices.begin(), devices.end(), kv.second.info.client) == devices.end())
      devices.push_back(kv.second.info.client);
  s.ack_checks.push_back({msg.id, e.seq, now_ms() + settings->undelivered_after * 1000, e.expires_at, std::move(data),
                          std::move(devices)});
  arm_ack_checks(self);
}

}  // namespace

void check_acks(self_ptr self) {
  auto& s = self->state;
  s.ack_timer = false;
  auto now = now_ms();
  while (!s.ack_checks.empty() && s.ack_checks.front().due_ms <= now) {
    auto c = std::move(s.ack_checks.front());
    s.ack_checks.pop_front();
    auto devices = s.inbox.devices();
    for (auto& d : c.devices)
      if (std::find(devices.begin(), devices.end(), d) == devices.end()) devices.push_back(d);
    devices.erase(std::remove_if(devices.begin(), devices.end(),
                                 [&](const std::string& d) { return s.inbox.acked(d, c.seq); }),
                  devices.end());
    if (!devices.empty() && c.expires_at > now)
      emit_hook(*s.ctx, s.ns, hook_kind::undelivered, s.user,
                [&] { return undelivered_fields(c.id, c.expires_at, devices, c.data); });
  }
  arm_ack_checks(self);
}

namespace {
// Stores (ttl_ms > 0) and delivers one push; `to` gets the number of
// sessions reached once it is durable. The receipt counts go in the same
// batch as the inbox record: one write answers the push. A live-only push
// is answered as soon as its frames are queued: its counts are written
// behind it (receipt reads wait for the writes queued before them), and
// waiting for them cost a trip through the store's thread per push.
void push(self_ptr self, const message& msg, int64_t ttl_ms, pending_commits::reply to) {
  auto& s = self->state;
  count_work(s);
  // During a write fault a durable push is refused before anyone sees it;
  // a live-only one goes out without its receipt counts.
  if (auto f = s.ctx->store->refusal()) {
    if (ttl_ms > 0) return pending_commits::give(to, from_store(*f));
    return pending_commits::give(to, deliver_live(self, msg));
  }
  auto b = s.ctx->store->make_batch();
  inbox_entry stored;
  if (ttl_ms > 0) {
    stored = s.inbox.append(msg.id, msg.ts + ttl_ms, static_cast<uint32_t>(msg.data.size()));
    b.put_inbox(s.ns, s.user, stored.seq, to_record(msg, stored.expires_at));
  } else {
    b.relax();  // counts only: no WAL sync to wait for
  }
  auto n = deliver_live(self, msg);
  b.add_counts(s.ns, msg.id, {n, 0});
  if (ttl_ms > 0) watch_delivery(self, msg, stored);
  if (ttl_ms <= 0) {
    s.ctx->store->commit(std::move(b), nullptr);  // a failure is counted by the store
    return pending_commits::give(to, n);
  }
  s.waiting.commit(caf::actor{self}, *s.ctx->store, std::move(b), n, std::move(to));
}

// A device's acks: its cursor moves, and a device catching up gets its
// next page once it has acked the end of the last one (pages never pile up
// in its send queue).
void ack(self_ptr self, const std::string& device, const std::vector<std::string>& ids) {
  auto& s = self->state;
  ++s.seen;
  if (device.empty()) return;  // sessions without a device get live messages only
  auto r = s.inbox.ack(device, ids);
  std::vector<std::string> ready;
  for (auto& [sid, cu] : s.replaying)
    if (!cu.reading && s.inbox.acked(device, cu.after)) ready.push_back(sid);
  for (auto& sid : ready) {
    auto ref = s.sessions.find(sid);
    if (ref != s.sessions.end() && ref->second.info.client == device) next_page(self, ref->second);
  }
  if (r.changed || !r.unknown.empty()) {
    auto b = s.ctx->store->make_batch();
    if (r.changed) b.put_cursor(s.ns, s.user, device, r.cursor);
    // Acks of live-only messages count once per ack frame: there is no
    // per-device record of them to dedupe against.
    for (auto* list : {&r.newly_acked, &r.unknown})
      for (auto& id : *list) b.add_counts(s.ns, id, {0, 1});
    s.ctx->store->commit(std::move(b), nullptr);
  }
  // After the write is queued: the next activation reads behind it.
  done_attaching(self);
}

}  // namespace

caf::behavior running(self_ptr self) {
  auto interface_side = handlers_of<user_interface>(
    [self](u_attach& m) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto& ref = m.ref;
      auto id = ref.info.session;
      if (!s.sessions.count(id)) {
        self->monitor(ref.actor.raw());
        s.sessions.emplace(id, ref);
        if (!ref.info.client.empty()) next_page(self, ref);
        if (s.sessions.size() == 1) tell(self, s.parent, key_online{key_kind::user, s.user, true});
      }
      done_attaching(self);
      return s.sessions.size();
    },
    [self](u_push& m) -> caf::result<uint64_t> {
      if (m.ans) {
        push(self, m.msg, m.ttl_ms, std::move(m.ans));
        return caf::delegated<uint64_t>{};  // given to the answer
      }
      auto rp = self->make_response_promise<uint64_t>();
      push(self, m.msg, m.ttl_ms, rp);
      return rp;
    },
    [self](u_info& m) {
      auto& s = self->state;
      count_work(s);
      std::vector<session_info> out;
      for (auto& kv : s.sessions) out.push_back(kv.second.info);
      return respond(m, std::move(out));
    },
    [self](u_kick& m) {
      auto& s = self->state;
      count_work(s);
      for (auto& kv : s.sessions)
        tell(self, kv.second.actor, session_kick{m.code, "disconnected through the API"});
      return respond(m, static_cast<uint64_t>(s.sessions.size()));
    },
    [self](const u_ack& m) { ack(self, m.device, m.ids); },
    [self](const u_device_seen& m) {
      // Only through a handoff's forwarder: the home writes these itself.
      auto& s = self->state;
      s.ctx->store->note_device(s.ns, s.user, m.device, m.patch);
    },
    [self](u_devices& m) -> caf::result<std::vector<device_info>> {
      count_work(self->state);
      user_state::device_op op;
      op.list_ans = std::move(m.ans);
      if (!op.list_ans) op.rp = self->make_response_promise<std::vector<device_info>>();
      start_device_op(self, std::move(op));
      return caf::delegated<std::vector<device_info>>{};
    },
    [self](u_forget_device& m) -> caf::result<uint64_t> {
      count_work(self->state);
      user_state::device_op op;
      op.forget = true;
      op.device = m.device;
      op.only_if_offline = m.only_if_offline;
      op.forget_ans = std::move(m.ans);
      if (!op.forget_ans) op.rp = self->make_response_promise<uint64_t>();
      start_device_op(self, std::move(op));
      return caf::delegated<uint64_t>{};
    },
    [self](u_merge& m) {
      count_work(self->state);
      return start_merge(self, std::move(m.state));
    });
  return compose(
    std::move(interface_side),
    [self](page_read& p) { finish_page(self, p.session, p.records); },
    [self](ack_due) { check_acks(self); },
    [self](devices_read& r) { finish_device_op(self, r); },
    [self](const device_forgotten& f) { finish_forget(self, f); },
    [self](commit_done& d) {
      auto& s = self->state;
      if (!d.failure.empty()) spdlog::error("inbox write for {}/{} failed: {}", s.ns, s.user, d.failure);
      s.waiting.finish(d);
    },
    [self](idle_tick t) {
      auto& s = self->state;
      if (idle(self) && s.seen == t.seen) send_idle(self);
      schedule_idle(self);  // the parent may decline: something is on its way here
    },
    [self](child_stop) {
      if (!idle(self)) return;
      // The parent holds the sessions now; our monitors would linger in them.
      for (auto& kv : self->state.sessions) self->demonitor(kv.second.actor.raw());
      self->quit();
    },
    [self](hand_off& h) { start_handoff(self, std::move(h.to)); });
}

namespace {
// The inbox could not be read: the requests that waited for it, and any
// that come until the namespace actor takes the sessions back (the
// passivation handshake), get the store's error, not "the recipient
// ended". The next request activates a new actor, which reads again.
caf::behavior unreadable(self_ptr self, error e) {
  self->set_default_handler(caf::print_and_drop);
  send_idle(self);
  schedule_idle(self);
  return compose(handlers_for(user_interface{},
                              [self, e](auto& m) {
                                ++self->state.seen;
                                refuse(self, m, e);
                              }),
                 [self](idle_tick) {
                   send_idle(self);  // declined while messages were on their way here: again
                   schedule_idle(self);
                 },
                 [self](child_stop) {
                   for (auto& kv : self->state.sessions) self->demonitor(kv.second.actor.raw());
                   self->quit();
                 },
                 [](hand_off&) {});
}
}  // namespace
}  // namespace herald::user_parts

namespace herald {

using user_parts::self_ptr;

caf::behavior user_actor(self_ptr self, std::string ns, std::string user, handle<parent_interface> parent,
                         context_ptr ctx, std::vector<session_ref> sessions) {
  using namespace user_parts;
  auto& st = self->state;
  st.ns = std::move(ns);
  st.user = std::move(user);
  st.parent = std::move(parent);
  st.ctx = std::move(ctx);
  for (auto& ref : sessions) {
    self->monitor(ref.actor.raw());
    auto id = ref.info.session;
    st.sessions.emplace(std::move(id), std::move(ref));
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state.sessions;
    for (auto i = s.begin(); i != s.end(); ++i)
      if (i->second.actor.address() == dm.source) {
        self->state.replaying.erase(i->first);
        s.erase(i);
        if (s.empty()) tell(self, self->state.parent, key_online{key_kind::user, self->state.user, false});
        return;
      }
  });
  // Until the inbox is read, every other message waits in the mailbox.
  self->set_default_handler(caf::skip);
  // Read behind every write queued so far (an empty batch is the barrier):
  // a device's ack written just before the last passivation is in it.
  read_all<inbox_loaded>(self);
  return {
    [self](inbox_loaded& l) {
      auto& s = self->state;
      auto& d = l.data;
      if (auto e = d->failure()) {
        spdlog::error("cannot load inbox of {}/{}: {}", s.ns, s.user, e->message);
        self->become(unreadable(self, from_store(*e)));
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
