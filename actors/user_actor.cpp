#include "actors/user_actor.hpp"

#include <map>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/pass_on.hpp"
#include "storage/store.hpp"

namespace herald {

namespace {
using self_ptr = caf::stateful_actor<user_state>*;

struct loaded_data {
  storage::result<std::vector<std::pair<uint64_t, storage::record>>> entries{storage::failure{storage::fault::io, "not read"}};
  storage::result<std::vector<std::pair<std::string, storage::cursor>>> cursors{storage::failure{storage::fault::io, "not read"}};
  // The first read that failed, if any.
  const storage::failure* failure() const { return !entries ? &entries.err() : !cursors ? &cursors.err() : nullptr; }
};
using loaded_ptr = std::shared_ptr<loaded_data>;
using replay_ptr = std::shared_ptr<storage::result<std::vector<storage::record>>>;
using rewrite_ptr = std::shared_ptr<inbox_rewrite>;

// The actor's own messages, from the store's threads and its timer.
struct inbox_loaded {  // the whole stored state, read at start
  loaded_ptr data;
};
struct page_read {  // one replay page of a session
  std::string session;
  replay_ptr records;
};
struct handoff_loaded {  // the stored state, read to hand it off
  loaded_ptr data;
};
struct merge_loaded {  // the stored state, read to merge a previous owner's into it
  loaded_ptr data;
};
struct merge_written {  // the merged inbox is written (or failed)
  rewrite_ptr rewrite;
  std::string failure;
};
struct idle_tick {  // the message count when the tick was armed
  uint64_t seen = 0;
};
}  // namespace
}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::inbox_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::page_read)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::handoff_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::merge_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::merge_written)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::idle_tick)

namespace herald {
namespace {

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
  return s.waiting.empty() && s.replaying.empty();
}

// A message other than an attach (or a replay's ack): the actor stays for
// a passivation period.
void count_work(user_state& s) {
  ++s.seen;
  s.only_attached = false;
}

// Offers the parent to passivate, handing it the live sessions.
void send_idle(self_ptr self) {
  auto& s = self->state;
  s.inbox.drop_expired(now_ms());
  std::vector<session_ref> live;
  live.reserve(s.sessions.size());
  for (auto& kv : s.sessions) live.push_back(kv.second);
  self->send(s.parent, user_idle{s.user, s.seen, std::move(live)});
}

// An actor activated for devices' attaches passivates once their backlogs
// are replayed: a connecting device costs an actor for its replay only.
void done_attaching(self_ptr self) {
  if (self->state.only_attached && idle(self)) send_idle(self);
}

// Hands `msg` to every live session, one message per node.
uint64_t deliver_live(self_ptr self, const message& msg) {
  std::map<caf::actor, std::vector<std::string>> by_node;
  for (auto& [id, ref] : self->state.sessions)
    if (!self->state.replaying.count(id)) by_node[ref.node_ns].push_back(id);
  for (auto& [node_ns, ids] : by_node) {
    if (node_ns.node() != self->node()) self->state.ctx->stats->internode("user").Increment();
    self->send(node_ns, deliver{msg, std::move(ids)});
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
  auto read = [store, me, ns = st.ns, user = st.user, seqs = std::move(seqs), sid = ref.info.session] {
    auto recs = std::make_shared<storage::result<std::vector<storage::record>>>(store->inbox_records(ns, user, seqs));
    caf::anon_send(me, page_read{sid, recs});
  };
  // The index holds pushes whose records are still on their way to the
  // store: read once they are written (an empty batch behind them is the
  // barrier), or the page would skip them and the device never get them.
  if (st.waiting.empty())
    store->read(std::move(read));
  else
    store->commit(store->make_batch(), [store, read = std::move(read)](storage::status) mutable { store->read(std::move(read)); });
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
      if (r.expired(now)) continue;
      b.add_counts(st.ns, r.id, {1, 0});
      msgs.push_back(to_message(r));
    }
  } else {
    spdlog::error("cannot read backlog of {}/{}: {}", st.ns, st.user, recs->err().message);
  }
  if (!msgs.empty()) self->send(ref->second.node_ns, replay{std::move(msgs), sid});
  b.relax();
  if (!b.empty()) st.ctx->store->commit(std::move(b), nullptr);
  bool more = false;
  auto rest = st.inbox.page(ref->second.info.client, cu->second.after, now_ms(), 1, more);
  if (rest.empty()) st.replaying.erase(cu);  // caught up
  done_attaching(self);
}

// Reads the user's whole stored state once every write queued so far has
// committed (an empty batch behind them is the barrier), then sends
// Loaded{data} to this actor.
template <class Loaded>
void read_all(self_ptr self) {
  auto* store = self->state.ctx->store;
  caf::actor me{self};
  auto barrier = store->make_batch();
  barrier.relax();  // writes are applied in order: no WAL sync needed to see them
  store->commit(std::move(barrier), [store, me, ns = self->state.ns, user = self->state.user](storage::status) {
    store->read([store, me, ns, user] {
      auto d = std::make_shared<loaded_data>();
      d->entries = store->inbox(ns, user);
      d->cursors = store->cursors(ns, user);
      caf::anon_send(me, Loaded{d});
    });
  });
}

caf::behavior running(self_ptr self);

// The old owner's side: everything goes to the new owner from now on; once
// it has merged this user's records and cursors, they are deleted here.
// When it does not answer, the data stays and the next placement pass
// hands it again (merging is idempotent).
caf::behavior handing_off(self_ptr self, caf::actor to) {
  return compose(
    handlers_for(user_interface{}, [self, to](auto& m) { pass_on(self, to, std::move(m), self->state.ctx->ask_timeout); }),
    [self, to](handoff_loaded& l) {
      auto& s = self->state;
      auto& d = l.data;
      if (auto e = d->failure()) {
        spdlog::error("cannot read {}/{} to hand it off: {}", s.ns, s.user, e->message);
        self->quit();
        return;
      }
      auto out = export_inbox(d->entries.value(), d->cursors.value(), now_ms());
      if (out.empty()) {
        self->quit();
        return;
      }
      s.ctx->stats->handoff("user", "sent").Increment();
      self->request(to, std::chrono::seconds(10), u_merge{s.user, std::move(out)})
        .then(
          [self, d](uint64_t added) {
            auto& s = self->state;
            spdlog::debug("handed {}/{} to its new owner ({} new there)", s.ns, s.user, added);
            auto b = s.ctx->store->make_batch();
            for (auto& [seq, r] : d->entries.value()) b.delete_inbox(s.ns, s.user, seq);
            for (auto& [device, c] : d->cursors.value()) b.delete_cursor(s.ns, s.user, device);
            caf::actor me{self};
            s.ctx->store->commit(std::move(b), [me](storage::status) { caf::anon_send(me, child_stop{}); });
          },
          [self](caf::error& e) {
            spdlog::warn("handing {}/{} to its new owner failed ({}); kept here for the next pass",
                         self->state.ns, self->state.user, caf::to_string(e));
            self->quit();
          });
    },
    [self](commit_done& d) { self->state.waiting.finish(d); },
    [](page_read&) {},  // replays are the new owner's now
    [](idle_tick) {},
    [self](child_stop) { self->quit(); });
}

void start_handoff(self_ptr self, caf::actor to) {
  auto& s = self->state;
  if (!s.sessions.empty()) self->send(s.parent, key_online{key_kind::user, s.user, false});
  // Their nodes attach them to the new home; our monitors would linger in them.
  for (auto& kv : s.sessions) self->demonitor(kv.second.actor);
  s.sessions.clear();
  s.replaying.clear();
  self->become(handing_off(self, to));
  read_all<handoff_loaded>(self);
}

// The new owner's side: reads the inbox as stored, merges, rewrites it, and
// only then takes other messages again (they wait in the mailbox), so no
// push lands between the read and the rewrite. Devices online here get what
// they have not acked through the replay pages.
caf::result<uint64_t> start_merge(self_ptr self, handoff_state in) {
  auto rp = self->make_response_promise<uint64_t>();
  self->set_default_handler(caf::skip);
  auto resume = [self] {
    self->set_default_handler(caf::print_and_drop);
    self->become(running(self));
  };
  auto incoming = std::make_shared<handoff_state>(std::move(in));
  self->become(caf::behavior{
    [self, rp, incoming, resume](merge_loaded& l) mutable {
      auto& s = self->state;
      auto& d = l.data;
      if (auto e = d->failure()) {
        rp.deliver(to_caf(from_store(*e)));
        return resume();
      }
      auto w = merge_inbox(d->entries.value(), d->cursors.value(), s.inbox.last_seq(), *incoming, now_ms());
      if (!w) {
        rp.deliver(uint64_t{0});
        return resume();
      }
      auto b = s.ctx->store->make_batch();
      for (auto seq : w->erase) b.delete_inbox(s.ns, s.user, seq);
      for (auto& [seq, r] : w->put) b.put_inbox(s.ns, s.user, seq, r);
      for (auto& [device, c] : w->cursors) b.put_cursor(s.ns, s.user, device, c);
      auto rw = std::make_shared<inbox_rewrite>(std::move(*w));
      caf::actor me{self};
      s.ctx->store->commit(std::move(b), [me, rw](storage::status st) {
        caf::anon_send(me, merge_written{rw, st ? std::string{} : st.err().message});
      });
    },
    [self, rp, resume](merge_written& mw) mutable {
      auto& s = self->state;
      auto& w = mw.rewrite;
      auto& failure = mw.failure;
      if (!failure.empty()) {
        spdlog::error("merging a handoff into {}/{} failed: {}", s.ns, s.user, failure);
        rp.deliver(to_caf(from_store(storage::failure{storage::fault::io, failure})));
        return resume();
      }
      // The records new here, for the sessions that are live already.
      std::vector<std::pair<uint64_t, message>> fresh;
      auto a = w->added_seqs.begin();
      for (auto& [seq, r] : w->put)
        if (a != w->added_seqs.end() && *a == seq) {
          fresh.emplace_back(seq, to_message(r));
          ++a;
        }
      s.inbox = user_inbox{};
      s.inbox.load(std::move(w->put), std::move(w->cursors));
      s.ctx->stats->handoff("user", "merged").Increment();
      s.ctx->stats->handoff_records.Increment(static_cast<double>(w->added));
      rp.deliver(static_cast<uint64_t>(w->added));
      resume();
      if (fresh.empty()) return;
      for (auto& [sid, ref] : s.sessions) {
        if (ref.info.client.empty()) continue;
        auto cu = s.replaying.find(sid);
        if (cu != s.replaying.end()) {
          // Its position is in the old seqs: start over (it may see again
          // what it has not acked yet, never miss anything).
          cu->second.after = 0;
          if (!cu->second.reading) next_page(self, ref);
          continue;
        }
        // Live: it has had everything this inbox held; only the new records.
        std::vector<message> msgs;
        for (auto& [seq, m] : fresh)
          if (!s.inbox.acked(ref.info.client, seq)) msgs.push_back(m);
        if (!msgs.empty()) self->send(ref.node_ns, replay{std::move(msgs), sid});
      }
    },
  });
  read_all<merge_loaded>(self);
  return rp;
}

// Stores (ttl_ms > 0) and delivers one push; `to` gets the number of
// sessions reached once it is durable. The receipt counts go in the same
// batch as the inbox record: one write answers the push.
void push(self_ptr self, const message& msg, int64_t ttl_ms, pending_commits::reply to) {
  auto& s = self->state;
  count_work(s);
  auto b = s.ctx->store->make_batch();
  if (ttl_ms > 0) {
    auto& e = s.inbox.append(msg.id, msg.ts + ttl_ms, static_cast<uint32_t>(msg.data.size()));
    b.put_inbox(s.ns, s.user, e.seq, to_record(msg, e.expires_at));
  } else {
    b.relax();  // counts only: no WAL sync to wait for
  }
  auto n = deliver_live(self, msg);
  b.add_counts(s.ns, msg.id, {n, 0});
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

caf::behavior running(self_ptr self) {
  auto interface_side = handlers_of<user_interface>(
    [self](u_attach& m) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto& ref = m.ref;
      auto id = ref.info.session;
      if (!s.sessions.count(id)) {
        self->monitor(ref.actor);
        s.sessions.emplace(id, ref);
        if (!ref.info.client.empty()) next_page(self, ref);
        if (s.sessions.size() == 1) self->send(s.parent, key_online{key_kind::user, s.user, true});
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
        self->send(kv.second.actor, session_kick{m.code, "disconnected through the API"});
      return respond(m, static_cast<uint64_t>(s.sessions.size()));
    },
    [self](const u_ack& m) { ack(self, m.device, m.ids); },
    [self](u_merge& m) {
      count_work(self->state);
      return start_merge(self, std::move(m.state));
    });
  return compose(
    std::move(interface_side),
    [self](page_read& p) { finish_page(self, p.session, p.records); },
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
      for (auto& kv : self->state.sessions) self->demonitor(kv.second.actor);
      self->quit();
    },
    [self](hand_off& h) { start_handoff(self, std::move(h.to)); });
}
}  // namespace

caf::behavior user_actor(self_ptr self, std::string ns, std::string user, caf::actor parent,
                         context_ptr ctx, std::vector<session_ref> sessions) {
  auto& st = self->state;
  st.ns = std::move(ns);
  st.user = std::move(user);
  st.parent = std::move(parent);
  st.ctx = std::move(ctx);
  for (auto& ref : sessions) {
    self->monitor(ref.actor);
    auto id = ref.info.session;
    st.sessions.emplace(std::move(id), std::move(ref));
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state.sessions;
    for (auto i = s.begin(); i != s.end(); ++i)
      if (i->second.actor.address() == dm.source) {
        self->state.replaying.erase(i->first);
        s.erase(i);
        if (s.empty()) self->send(self->state.parent, key_online{key_kind::user, self->state.user, false});
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
        self->quit(caf::make_error(caf::sec::runtime_error, e->message));
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
