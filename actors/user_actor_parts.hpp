#pragma once
// The user actor's parts that its three files share (internal to them):
// user_actor.cpp (the behaviour: attaches, pushes, acks, passivation),
// user_replay.cpp (a device's backlog, page by page) and user_handoff.cpp
// (both sides of handing the user's durable state to a new owner).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/user_actor.hpp"
#include "storage/store.hpp"

namespace herald::user_parts {

using self_ptr = caf::stateful_actor<user_state>*;

struct loaded_data {
  storage::result<std::vector<std::pair<uint64_t, storage::record>>> entries{storage::failure{storage::fault::io, "not read"}};
  storage::result<std::vector<std::pair<std::string, storage::cursor>>> cursors{storage::failure{storage::fault::io, "not read"}};
  // Read for a handoff only (they move with the user).
  storage::result<std::vector<std::pair<std::string, storage::device_record>>> devices{
    std::vector<std::pair<std::string, storage::device_record>>{}};
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
struct ack_due {};  // the first of the ack checks is due (webhook `undelivered`)
using device_rows = storage::result<std::vector<std::pair<std::string, storage::device_record>>>;
struct devices_read {  // the user's device records, for the device op `token`
  uint64_t token = 0;
  std::shared_ptr<device_rows> rows;
};
struct device_forgotten {  // the forget of device op `token` is synced (or failed)
  uint64_t token = 0;
  std::string failure;
};

// A tick per passivation period (user_actor.cpp).
void schedule_idle(self_ptr self);
// Nothing in flight: the actor may passivate.
bool idle(self_ptr self);
// A message other than an attach (or a replay's ack): the actor stays for
// a passivation period.
void count_work(user_state& s);
// An actor activated for devices' attaches passivates once their backlogs
// are replayed.
void done_attaching(self_ptr self);
caf::behavior running(self_ptr self);
// Emits `undelivered` for the due ack checks, arms the next.
void check_acks(self_ptr self);
// Device records (user_devices.cpp): a listing or a forget reads them
// behind the writes queued so far, then answers.
void start_device_op(self_ptr self, user_state::device_op op);
void finish_device_op(self_ptr self, devices_read& r);
void finish_forget(self_ptr self, const device_forgotten& f);

// -- replay (user_replay.cpp) ----------------------------------------------------
void next_page(self_ptr self, const session_ref& ref);
void finish_page(self_ptr self, const std::string& sid, replay_ptr& recs);

// -- handoff (user_handoff.cpp) --------------------------------------------------
// The old owner's side: from now on everything goes to `to`.
void start_handoff(self_ptr self, caf::actor to);
// The new owner's side: merges a previous owner's state into the inbox.
caf::result<uint64_t> start_merge(self_ptr self, handoff_state in);

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
      if constexpr (std::is_same_v<Loaded, handoff_loaded>) d->devices = store->devices(ns, user);
      caf::anon_send(me, Loaded{d});
    });
  });
}

}  // namespace herald::user_parts

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::inbox_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::page_read)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::handoff_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::merge_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::merge_written)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::idle_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::ack_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::devices_read)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::user_parts::device_forgotten)
