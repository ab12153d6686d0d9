#include "actors/webhook_actor.hpp"

#include <memory>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/ids.hpp"
#include "actors/json_scan.hpp"
#include "actors/wire.hpp"
#include "storage/store.hpp"

namespace herald {

namespace {
using self_ptr = caf::stateful_actor<webhook_state>*;
using stored_events = storage::result<std::vector<std::pair<uint64_t, std::string>>>;

// The actor's own messages: from the store's threads, the HTTP client and
// its timers.
struct hooks_loaded {
  std::shared_ptr<stored_events> events;
};
struct hook_stored {
  std::vector<webhook_queue::event> events;
  std::string failure;  // empty: durable
};
struct hook_flush {};
struct hook_posted {
  bool ok = false;
  std::string detail;  // why not
};
struct hook_retry {};
struct hook_tick {};
}  // namespace
}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hooks_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hook_stored)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hook_posted)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hook_retry)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hook_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::hook_flush)

namespace herald {
namespace {

constexpr auto tick_every = std::chrono::seconds(5);
// Events per POST: a receiver pays its per-request cost per this many.
constexpr size_t max_batch = 250;

void show_queue(self_ptr self) {
  auto& st = self->state;
  st.events_g->Set(static_cast<double>(st.queue.size()));
  st.bytes_g->Set(static_cast<double>(st.queue.bytes()));
  auto oldest = st.queue.oldest_ms();
  st.age_g->Set(oldest ? static_cast<double>(now_ms() - oldest) / 1000.0 : 0.0);
}

webhook_queue::bounds bounds_of(const namespace_settings& s) {
  return {static_cast<size_t>(s.webhook_queue), s.webhook_retry * 1000, max_batch};
}

// Events that leave the queue without reaching the receiver: deleted from
// the store, counted and logged, never silently.
void drop(self_ptr self, const std::vector<uint64_t>& seqs, const char* why) {
  if (seqs.empty()) return;
  auto& st = self->state;
  st.dropped += seqs.size();
  st.dropped_c->Increment(static_cast<double>(seqs.size()));
  spdlog::warn("webhooks of {}: dropped {} events ({})", st.ns, seqs.size(), why);
  auto b = st.ctx->store->make_batch();
  for (auto s : seqs) b.delete_hook(st.ns, s);
  st.ctx->store->commit(std::move(b), nullptr);  // a failure is counted by the store
}

void try_post(self_ptr self) {
  auto& st = self->state;
  if (!st.loaded || st.waiting_retry || st.queue.in_flight() || st.queue.size() == 0) return;
  auto settings = st.ctx->catalog->get(st.ns);
  if (!settings) return;
  st.queue.set_bounds(bounds_of(*settings));
  drop(self, st.queue.expire(now_ms()), "older than webhook_retry");
  if (settings->webhook_url.empty() || !st.ctx->post_hook) return;  // kept until webhooks return or the events age out
  auto body = st.queue.take_batch();
  if (body.empty()) return;
  caf::actor me{self};
  st.ctx->post_hook(settings->webhook_url, std::move(body), settings->hook_key(),
                    std::chrono::seconds(settings->webhook_timeout), [me](result<unsigned> r) {
                      if (!r) return caf::anon_send(me, hook_posted{false, r.err().message});
                      auto code = r.value();
                      caf::anon_send(me, hook_posted{code >= 200 && code < 300, "HTTP " + std::to_string(code)});
                    });
}

void posted(self_ptr self, const hook_posted& p) {
  auto& st = self->state;
  if (p.ok) {
    auto seqs = st.queue.delivered();
    st.delivered += seqs.size();
    st.last_delivered_ms = now_ms();
    st.last_error.clear();
    st.delivered_c->Increment(static_cast<double>(seqs.size()));
    auto b = st.ctx->store->make_batch();
    if (!seqs.empty()) b.delete_hooks(st.ns, seqs.front(), seqs.back());
    b.relax();  // delivered twice after a crash at worst: receivers dedupe by id
    st.ctx->store->commit(std::move(b), nullptr);
    show_queue(self);
    return try_post(self);
  }
  auto n = st.queue.in_flight_seqs().size();
  auto delay = st.queue.failed(std::uniform_real_distribution<double>(0, 1)(st.rng));
  st.retried += n;
  st.retried_c->Increment(static_cast<double>(n));
  if (st.last_error != p.detail || st.queue.attempts() == 1)
    spdlog::warn("webhooks of {}: the receiver failed ({}); {} events wait, next attempt in {} ms", st.ns, p.detail,
                 st.queue.size(), delay);
  st.last_error = p.detail;
  st.waiting_retry = true;
  st.next_attempt_ms = now_ms() + delay;
  self->delayed_send(self, std::chrono::milliseconds(delay), hook_retry{});
}

// Queues the event for the next write; it counts as emitted once durable.
void store_event(self_ptr self, const hook_emit& e) {
  auto& st = self->state;
  auto seq = st.next_seq++;
  std::string text = R"({"id":)" + wire::quote("e" + st.ctx->ids->next()) + R"(,"type":")" + to_string(e.kind) +
                     R"(","ts":)" + std::to_string(e.ts) + R"(,"ns":)" + wire::quote(st.ns) + R"(,"user":)" +
                     wire::quote(e.user);
  if (!e.fields.empty()) text += "," + e.fields;
  text += "}";
  if (st.unwritten.empty()) self->send(self, hook_flush{});
  st.unwritten.push_back({seq, e.ts, std::move(text)});
}

// Every event emitted since the last flush, in one batch (the store's
// group commit syncs it with the pushes around it).
void flush(self_ptr self) {
  auto& st = self->state;
  if (st.unwritten.empty()) return;
  auto b = st.ctx->store->make_batch();
  for (auto& ev : st.unwritten) b.put_hook(st.ns, ev.seq, ev.text);
  caf::actor me{self};
  st.ctx->store->commit(std::move(b), [me, evs = std::move(st.unwritten)](storage::status s) mutable {
    caf::anon_send(me, hook_stored{std::move(evs), s ? std::string{} : s.err().message});
  });
  st.unwritten.clear();
}

void stored(self_ptr self, hook_stored& s) {
  auto& st = self->state;
  auto n = static_cast<double>(s.events.size());
  if (!s.failure.empty()) {
    st.dropped += s.events.size();
    st.dropped_c->Increment(n);
    spdlog::error("webhooks of {}: {} events could not be stored and are lost ({})", st.ns, s.events.size(), s.failure);
    return;
  }
  st.emitted += s.events.size();
  st.emitted_c->Increment(n);
  if (auto settings = st.ctx->catalog->get(st.ns)) st.queue.set_bounds(bounds_of(*settings));
  std::vector<uint64_t> over;
  for (auto& e : s.events)
    for (auto q : st.queue.push(std::move(e))) over.push_back(q);
  drop(self, over, "the queue is over webhook_queue bytes");
  show_queue(self);
  try_post(self);
}

// What was stored before this start: delivered first, in order.
void loaded(self_ptr self, hooks_loaded& l) {
  auto& st = self->state;
  if (!*l.events) {
    spdlog::error("webhooks of {}: cannot read the stored events ({}); new ones go on", st.ns,
                  l.events->err().message);
  } else {
    for (auto& [seq, text] : l.events->value()) {
      int64_t at = now_ms();
      if (auto o = json_scan::object(text))
        if (auto ts = json_scan::find(*o, "ts"); ts && ts->k == json_scan::kind::number)
          at = json_scan::integer(ts->text).value_or(at);
      st.next_seq = std::max(st.next_seq, seq + 1);
      drop(self, st.queue.push({seq, at, std::move(text)}), "the queue is over webhook_queue bytes");
    }
    if (st.queue.size() > 0) spdlog::info("webhooks of {}: {} stored events to deliver", st.ns, st.queue.size());
  }
  st.loaded = true;
  for (auto& e : st.early) store_event(self, e);
  st.early.clear();
  show_queue(self);
  try_post(self);
}

webhook_status status_of(self_ptr self) {
  auto& st = self->state;
  webhook_status s;
  s.node = st.ctx->node_name;
  s.loaded = st.loaded;
  s.queued = st.queue.size();
  s.bytes = st.queue.bytes();
  s.oldest_ms = st.queue.oldest_ms();
  s.in_flight = st.queue.in_flight();
  s.attempts = st.queue.attempts();
  s.next_attempt_ms = st.waiting_retry ? st.next_attempt_ms : 0;
  s.last_delivered_ms = st.last_delivered_ms;
  s.last_error = st.last_error;
  s.emitted = st.emitted;
  s.delivered = st.delivered;
  s.retried = st.retried;
  s.dropped = st.dropped;
  return s;
}

}  // namespace

caf::behavior webhook_actor(self_ptr self, std::string ns, context_ptr ctx) {
  auto& st = self->state;
  st.ns = std::move(ns);
  st.ctx = std::move(ctx);
  auto& m = *st.ctx->stats;
  st.emitted_c = &m.webhook(st.ns, "emitted");
  st.delivered_c = &m.webhook(st.ns, "delivered");
  st.retried_c = &m.webhook(st.ns, "retried");
  st.dropped_c = &m.webhook(st.ns, "dropped");
  st.events_g = &m.webhook_queue(st.ns, "events");
  st.bytes_g = &m.webhook_queue(st.ns, "bytes");
  st.age_g = &m.webhook_queue(st.ns, "age_seconds");
  if (auto settings = st.ctx->catalog->get(st.ns)) st.queue.set_bounds(bounds_of(*settings));
  auto* store = st.ctx->store;
  caf::actor me{self};
  store->read([store, me, ns = st.ns] {
    caf::anon_send(me, hooks_loaded{std::make_shared<stored_events>(store->hooks(ns))});
  });
  self->delayed_send(self, tick_every, hook_tick{});
  return compose(handlers_of<webhook_interface>(
                   [self](hook_emit& e) {
                     if (!self->state.loaded) return self->state.early.push_back(std::move(e));
                     store_event(self, e);
                   },
                   [self](webhook_status_request) { return status_of(self); }),
                 [self](hooks_loaded& l) { loaded(self, l); },
                 [self](hook_flush) { flush(self); },
                 [self](hook_stored& s) { stored(self, s); },
                 [self](const hook_posted& p) { posted(self, p); },
                 [self](hook_retry) {
                   self->state.waiting_retry = false;
                   try_post(self);
                 },
                 [self](hook_tick) {
                   show_queue(self);
                   try_post(self);  // the URL may have been set again meanwhile
                   self->delayed_send(self, tick_every, hook_tick{});
                 });
}

}  // namespace herald
