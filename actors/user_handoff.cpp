#include <spdlog/spdlog.h>

#include "actors/pass_on.hpp"
#include "actors/user_actor_parts.hpp"

namespace herald::user_parts {

namespace {
// The old owner's side: everything goes to the new owner from now on; once
// it has merged this user's records and cursors, they are deleted here.
// When it does not answer, the data stays and the next placement pass
// hands it again (merging is idempotent).
caf::behavior handing_off(self_ptr self, handle<user_interface> to) {
  return compose(
    handlers_for(user_interface{}, [self, to](auto& m) { pass_on(self, to, std::move(m), self->state.ctx->ask_timeout); }),
    [self, to](handoff_loaded& l) {
      auto& s = self->state;
      auto& d = l.data;
      if (auto e = d->failure()) {
        spdlog::error("cannot read {}/{} to hand it off: {}", s.ns, s.user, e->message);
        tell_handoff_done(self);
        return;
      }
      // The device records go first, as patches (they merge in any order);
      // a failed read leaves them here, as the records they describe stay.
      if (d->devices)
        for (auto& [device, rec] : d->devices.value()) tell(self, to, u_device_seen{s.user, device, rec});
      auto out = export_inbox(d->entries.value(), d->cursors.value(), now_ms());
      if (out.empty()) {
        if (d->devices && !d->devices.value().empty()) {
          auto b = s.ctx->store->make_batch();
          for (auto& kv : d->devices.value()) b.delete_device(s.ns, s.user, kv.first);
          s.ctx->store->commit(std::move(b), handoff_done_on_commit(self));
          return;
        }
        tell_handoff_done(self);
        return;
      }
      s.ctx->stats->handoff("user", "sent").Increment();
      ask(self, to, std::chrono::seconds(10), u_merge{s.user, std::move(out)})
        .then(
          [self, d](uint64_t added) {
            auto& s = self->state;
            spdlog::debug("handed {}/{} to its new owner ({} new there)", s.ns, s.user, added);
            auto b = s.ctx->store->make_batch();
            for (auto& [seq, r] : d->entries.value()) b.delete_inbox(s.ns, s.user, seq);
            for (auto& [device, c] : d->cursors.value()) b.delete_cursor(s.ns, s.user, device);
            if (d->devices)
              for (auto& kv : d->devices.value()) b.delete_device(s.ns, s.user, kv.first);
            s.ctx->store->commit(std::move(b), handoff_done_on_commit(self));
          },
          [self](caf::error& e) {
            spdlog::warn("handing {}/{} to its new owner failed ({}); kept here for the next pass",
                         self->state.ns, self->state.user, caf::to_string(e));
            tell_handoff_done(self);
          });
    },
    [self](commit_done& d) { self->state.waiting.finish(d); },
    [](page_read&) {},  // replays are the new owner's now
    [](idle_tick) {},
    [](ack_due) {},
    [self](const device_forgotten& f) { finish_forget(self, f); },  // the new owner does not know these messages were delivered here: no event
    [self](child_stop) { self->quit(); });
}

}  // namespace

void start_handoff(self_ptr self, caf::actor new_owner) {
  auto to = handle<user_interface>::assume(std::move(new_owner));  // a namespace actor: it routes the user's messages
  auto& s = self->state;
  if (!s.sessions.empty()) tell(self, s.parent, key_online{key_kind::user, s.user, false, true});
  // Their nodes attach them to the new home; our monitors would linger in them.
  for (auto& kv : s.sessions) self->demonitor(kv.second.actor.raw());
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
        if (!msgs.empty()) tell(self, ref.node_ns, replay{std::move(msgs), sid});
      }
    },
  });
  read_all<merge_loaded>(self);
  return rp;
}

}  // namespace herald::user_parts
