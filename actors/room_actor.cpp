#include "actors/room_actor.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/user_inbox.hpp"
#include "actors/pass_on.hpp"
#include "storage/store.hpp"

namespace herald {
namespace {
using self_ptr = caf::stateful_actor<room_state>*;
using history_rows = storage::result<std::vector<std::pair<uint64_t, storage::record>>>;
using history_ptr = std::shared_ptr<history_rows>;

// The actor's own messages: its history read at start, its idle timer.
struct history_loaded {
  history_ptr rows;
};
struct idle_tick {
  uint64_t token = 0;
};
}  // namespace
}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::history_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::idle_tick)

namespace herald {
namespace {

void schedule_idle(self_ptr self) {
  auto token = ++self->state.idle_token;
  self->delayed_send(self, passivate_delay(*self->state.ctx), idle_tick{token});
}

bool idle(self_ptr self) { return self->state.members.empty() && self->state.waiting.empty(); }

// Only other nodes' namespace actors are monitored (to drop their members
// when the node dies): this node's is our parent and ends us itself. A
// monitor is an entry in the monitored actor's list of attachables, and
// removing one searches that list: 10k one-member rooms losing their
// members at once stalled the node's namespace actor for about a second.
bool watched(self_ptr self, const handle<fanout_interface>& node_ns) { return node_ns.node() != self->node(); }

// room_events: every node with members hears it once, and writes it to
// its members but the session itself.
void tell_presence(self_ptr self, const char* event, const std::string& user, const std::string& session) {
  auto& s = self->state;
  auto settings = s.ctx->catalog->get(s.ns);
  if (!settings || !settings->room_events) return;
  for (auto& kv : s.nodes) tell(self, kv.first, room_presence{s.room, event, user, session});
}

void remove_member(self_ptr self, const std::string& session) {
  auto& s = self->state;
  auto i = s.members.find(session);
  if (i == s.members.end()) return;
  auto user = std::string(i->second.user());
  auto n = s.nodes.find(i->second.node_ns);
  if (n != s.nodes.end() && --n->second.members == 0) {
    if (watched(self, n->first)) self->demonitor(n->first.raw());
    s.nodes.erase(n);
  }
  s.members.erase(i);
  tell_presence(self, "leave", user, session);
  if (s.members.empty()) {
    tell(self, s.parent, key_online{key_kind::room, s.room, false});
    if (idle(self)) schedule_idle(self);
  }
}

size_t history_limit(const room_state& s) {
  auto settings = s.ctx->catalog->get(s.ns);
  return settings ? static_cast<size_t>(std::max<int64_t>(settings->room_history, 0)) : 0;
}

// Iterator to the first retained message after `since`; all retained ones
// when `since` is unknown (evicted or never seen).
auto after(room_state& s, const std::string& since) {
  auto it = std::find_if(s.history.begin(), s.history.end(),
                         [&](const auto& h) { return h.second.id == since; });
  return it == s.history.end() ? s.history.begin() : it + 1;
}

seq_records history_records(const room_state& s) {
  seq_records out;
  for (auto& [seq, m] : s.history) out.emplace_back(seq, to_record(m, 0));
  return out;
}

// The old owner's side: everything goes to the new owner from now on; once
// it has merged the history, the history is deleted here. When it does not
// answer, the history stays and the next placement pass hands it again.
caf::behavior handing_off(self_ptr self, handle<room_interface> to) {
  // Everything for the room goes to the new owner from now on.
  return compose(
    handlers_for(room_interface{}, [self, to](auto& m) { pass_on(self, to, std::move(m), self->state.ctx->ask_timeout); }),
    [self](commit_done& d) { self->state.waiting.finish(d); },
    [](idle_tick) {},
    [self](child_stop) { self->quit(); });
}

void start_handoff(self_ptr self, caf::actor new_owner) {
  auto to = handle<room_interface>::assume(std::move(new_owner));  // a namespace actor: it routes the room's messages
  auto& s = self->state;
  if (!s.members.empty()) tell(self, s.parent, key_online{key_kind::room, s.room, false});
  for (auto& kv : s.nodes)
    if (watched(self, kv.first)) self->demonitor(kv.first.raw());
  s.members.clear();
  s.nodes.clear();
  auto out = export_history(history_records(s));
  self->become(handing_off(self, to));
  if (out.empty()) return tell_handoff_done(self);
  s.ctx->stats->handoff("room", "sent").Increment();
  ask(self, to, std::chrono::seconds(10), r_merge{s.room, std::move(out)})
    .then(
      [self](uint64_t) {
        // Every history write of this actor is queued before this one.
        auto& s = self->state;
        auto b = s.ctx->store->make_batch();
        b.trim_history(s.ns, s.room, s.last_seq + 1);
        s.ctx->store->commit(std::move(b), handoff_done_on_commit(self));
      },
      [self](caf::error& e) {
        spdlog::warn("handing room {}/{} to its new owner failed ({}); kept here for the next pass",
                     self->state.ns, self->state.room, caf::to_string(e));
        tell_handoff_done(self);
      });
}

// The new owner's side: the history in memory is the stored one, so the
// merge is written at once; the answer waits for the write.
caf::result<uint64_t> merge(self_ptr self, const handoff_state& in) {
  auto& s = self->state;
  auto w = merge_history(history_records(s), s.last_seq, in, history_limit(s));
  if (!w) return uint64_t{0};
  auto b = s.ctx->store->make_batch();
  b.trim_history(s.ns, s.room, w->keep_from);
  s.history.clear();
  for (auto& [seq, r] : w->put) {
    b.put_history(s.ns, s.room, seq, r);
    s.history.emplace_back(seq, to_message(r));
  }
  s.last_seq = w->put.empty() ? w->keep_from - 1 : w->put.back().first;
  s.ctx->stats->handoff("room", "merged").Increment();
  s.ctx->stats->handoff_records.Increment(static_cast<double>(w->added));
  auto rp = self->make_response_promise<uint64_t>();
  s.waiting.commit(caf::actor{self}, *s.ctx->store, std::move(b), w->added, rp);
  return rp;
}

// A publish: to each node with members once, into the history, and the
// answer once the history (or the receipt counts) are written.
caf::result<uint64_t> publish_here(self_ptr self, r_publish& m) {
  auto& s = self->state;
  ++s.seen;
  auto limit = history_limit(s);
  // During a write fault a publish that the history keeps is refused
  // before any member sees it; one it does not keep goes out without its
  // receipt counts.
  auto fault = s.ctx->store->refusal();
  if (fault && limit > 0) return to_caf(from_store(*fault));
  for (auto& kv : s.nodes) {
    tell(self, kv.first, room_deliver{s.room, m.msg, m.exclude});
    s.ctx->stats->room_fanout.Increment();
    if (kv.first.node() != self->node()) s.ctx->stats->internode("room").Increment();
  }
  uint64_t n = s.members.size() - (m.exclude.empty() ? 0 : s.members.count(m.exclude));
  if (fault) return n;
  auto b = s.ctx->store->make_batch();
  b.add_counts(s.ns, m.msg.id, {n, 0});
  if (limit == 0) {
    b.relax();  // counts only: no WAL sync to wait for
  } else {
    auto seq = ++s.last_seq;
    b.put_history(s.ns, s.room, seq, to_record(m.msg, 0));
    if (seq > limit) b.trim_history(s.ns, s.room, seq - limit + 1);
    s.history.emplace_back(seq, std::move(m.msg));
    while (s.history.size() > limit) s.history.pop_front();
  }
  auto rp = self->make_response_promise<uint64_t>();
  s.waiting.commit(caf::actor{self}, *s.ctx->store, std::move(b), n, rp);
  return rp;
}

caf::behavior running(self_ptr self) {
  auto interface_side = handlers_of<room_interface>(
    [self](r_join& m) -> uint64_t {
      auto& s = self->state;
      ++s.seen;
      auto id = m.ref.info.session;
      auto node_ns = m.ref.node_ns;
      if (!s.members.count(id)) {
        auto& node = s.nodes[node_ns];
        if (node.members++ == 0) {
          node.name = m.ref.info.node;
          if (watched(self, node_ns)) self->monitor(node_ns.raw());
        }
        s.members.emplace(id, room_member{m.ref.info.user, m.ref.info.client, m.ref.info.since, node_ns});
        tell_presence(self, "join", m.ref.info.user, id);
        if (s.members.size() == 1) tell(self, s.parent, key_online{key_kind::room, s.room, true});
      }
      if (!m.since.empty()) {
        // Through the same channel as live messages, so the node writes them
        // before any later live one.
        std::vector<message> msgs;
        for (auto it = after(s, m.since); it != s.history.end(); ++it) msgs.push_back(it->second);
        if (!msgs.empty()) tell(self, node_ns, replay{std::move(msgs), id});
      }
      return s.members.size();
    },
    [self](const r_leave& m) -> uint64_t {
      ++self->state.seen;
      remove_member(self, m.session);
      return self->state.members.size();
    },
    [self](r_publish& m) { return publish_here(self, m); },
    [self](r_info& m) {
      ++self->state.seen;
      auto& s = self->state;
      std::vector<session_info> out;
      out.reserve(s.members.size());
      for (auto& [id, mem] : s.members) {
        auto n = s.nodes.find(mem.node_ns);
        out.push_back(session_info{id, std::string(mem.user()), std::string(mem.client()), n == s.nodes.end() ? std::string{} : n->second.name,
                                   mem.since});
      }
      return respond(m, std::move(out));
    },
    [self](r_history& m) {
      auto& s = self->state;
      ++s.seen;
      auto from = m.since.empty() ? s.history.begin() : after(s, m.since);
      // The newest `limit` of what qualifies, oldest first.
      auto count = static_cast<uint64_t>(std::distance(from, s.history.end()));
      if (count > m.limit) from += static_cast<std::ptrdiff_t>(count - m.limit);
      std::vector<message> out;
      for (auto it = from; it != s.history.end(); ++it) out.push_back(it->second);
      if (s.members.empty() && idle(self)) schedule_idle(self);
      return respond(m, std::move(out));
    },
    [self](const r_merge& m) {
      ++self->state.seen;
      return merge(self, m.state);
    });
  return compose(
    std::move(interface_side),
    [self](commit_done& d) {
      auto& s = self->state;
      if (!d.failure.empty()) spdlog::error("history write for {}/{} failed: {}", s.ns, s.room, d.failure);
      s.waiting.finish(d);
      if (idle(self)) schedule_idle(self);
    },
    [self](idle_tick t) {
      auto& s = self->state;
      if (t.token == s.idle_token && idle(self)) tell(self, s.parent, room_idle{s.room, s.seen});
    },
    [self](child_stop) {
      if (idle(self)) self->quit();
    },
    [self](hand_off& h) { start_handoff(self, std::move(h.to)); });
}

// The history could not be read: the requests that waited for it, and any
// that come until the namespace actor lets this one go (the passivation
// handshake: no message for it may be under way), get the store's error,
// not "the recipient ended". The next request activates a new actor, which
// reads again.
caf::behavior unreadable(self_ptr self, error e) {
  self->set_default_handler(caf::print_and_drop);
  auto offer = [self] { tell(self, self->state.parent, room_idle{self->state.room, self->state.seen}); };
  offer();
  schedule_idle(self);
  return compose(handlers_for(room_interface{},
                              [self, e](auto& m) {
                                ++self->state.seen;
                                refuse(self, m, e);
                              }),
                 [self, offer](idle_tick t) {
                   if (t.token != self->state.idle_token) return;
                   offer();  // declined while messages were on their way here: again
                   schedule_idle(self);
                 },
                 [self](child_stop) { self->quit(); }, [](hand_off&) {});
}
}  // namespace

caf::behavior room_actor(self_ptr self, std::string ns, std::string room, handle<parent_interface> parent,
                         context_ptr ctx) {
  auto& st = self->state;
  st.ns = std::move(ns);
  st.room = std::move(room);
  st.parent = std::move(parent);
  st.ctx = std::move(ctx);
  // A node's namespace actor going away takes its members with it.
  self->set_down_handler([self](caf::down_msg& dm) {
    std::vector<std::string> gone;
    for (auto& [id, mem] : self->state.members)
      if (mem.node_ns.address() == dm.source) gone.push_back(id);
    for (auto& id : gone) remove_member(self, id);
  });
  self->set_default_handler(caf::skip);
  auto* store = st.ctx->store;
  caf::actor me{self};
  auto limit = history_limit(st);
  store->read([store, me, ns = st.ns, room = st.room, limit] {
    auto rows = std::make_shared<history_rows>(store->history(ns, room, limit));
    caf::anon_send(me, history_loaded{rows});
  });
  return {
    [self](history_loaded& l) {
      auto& s = self->state;
      auto& rows = l.rows;
      if (!*rows) {
        spdlog::error("cannot load history of {}/{}: {}", s.ns, s.room, rows->err().message);
        self->become(unreadable(self, from_store(rows->err())));
        return;
      }
      for (auto& [seq, r] : rows->value()) {
        s.history.emplace_back(seq, to_message(r));
        s.last_seq = seq;
      }
      self->set_default_handler(caf::print_and_drop);
      self->become(running(self));
      schedule_idle(self);
    },
  };
}

}  // namespace herald
