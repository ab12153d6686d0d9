// The user actor's device records: the listing (GET /v1/users/{u}/devices,
// with each device's unacked count from the inbox it holds) and forgetting
// a device with its cursor (DELETE, and the prune). The records themselves
// are written by the home namespace actor at each connect and disconnect
// (u_device_seen), merged field by field in the store.
#include <algorithm>

#include "actors/user_actor_parts.hpp"

namespace herald::user_parts {

void start_device_op(self_ptr self, user_state::device_op op) {
  auto& s = self->state;
  auto token = ++s.next_op;
  s.device_ops.emplace(token, std::move(op));
  auto* store = s.ctx->store;
  caf::actor me{self};
  // Behind the patches queued so far: a connect just before the call shows.
  store->read_after_writes([store, me, token, ns = s.ns, user = s.user] {
    caf::anon_send(me, devices_read{token, std::make_shared<device_rows>(store->devices(ns, user))});
  });
}

namespace {
bool online(const user_state& s, const std::string& device) {
  return std::any_of(s.sessions.begin(), s.sessions.end(),
                     [&](const auto& kv) { return kv.second.info.client == device; });
}

template <class T>
void give(user_state::device_op& op, answer_of<T>& ans, result<T> r) {
  if (ans) {
    ans->give(std::move(r));
    return;
  }
  if (r) op.rp.deliver(std::move(r.value()));
  else op.rp.deliver(to_caf(r.err()));
}

void list(self_ptr self, user_state::device_op& op, std::vector<std::pair<std::string, storage::device_record>> rows) {
  auto& s = self->state;
  auto now = now_ms();
  std::vector<device_info> out;
  // Devices that acked before records were kept have a cursor only.
  for (auto& d : s.inbox.devices())
    if (std::none_of(rows.begin(), rows.end(), [&](const auto& r) { return r.first == d; })) rows.emplace_back(d, storage::device_record{});
  for (auto& [device, rec] : rows) {
    device_info info;
    info.client = device;
    info.record = std::move(rec);
    info.online = online(s, device);
    info.unacked = s.inbox.backlog(device, now).size();
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const device_info& a, const device_info& b) { return a.client < b.client; });
  give<std::vector<device_info>>(op, op.list_ans, std::move(out));
}

void forget(self_ptr self, user_state::device_op& op, const std::vector<std::pair<std::string, storage::device_record>>& rows) {
  auto& s = self->state;
  bool known = s.inbox.knows_device(op.device) ||
               std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return r.first == op.device; });
  if (!known || (op.only_if_offline && online(s, op.device))) return give<uint64_t>(op, op.forget_ans, uint64_t{0});
  s.inbox.forget_device(op.device);
  auto b = s.ctx->store->make_batch();
  b.delete_device(s.ns, s.user, op.device);
  b.delete_cursor(s.ns, s.user, op.device);
  // Answered once durable (a forgotten device must not come back after a
  // crash), on this actor's thread: a response promise is delivered by its
  // actor, never from the store's writer.
  auto token = ++s.next_op;
  s.device_ops.emplace(token, std::move(op));
  caf::actor me{self};
  s.ctx->store->commit(std::move(b), [me, token](storage::status st) {
    caf::anon_send(me, device_forgotten{token, st ? std::string{} : st.err().message});
  });
}
}  // namespace

void finish_device_op(self_ptr self, devices_read& r) {
  auto& s = self->state;
  auto i = s.device_ops.find(r.token);
  if (i == s.device_ops.end()) return;
  auto op = std::move(i->second);
  s.device_ops.erase(i);
  if (!*r.rows) {
    auto e = from_store(r.rows->err());
    if (op.forget) give<uint64_t>(op, op.forget_ans, e);
    else give<std::vector<device_info>>(op, op.list_ans, e);
  } else if (op.forget) {
    forget(self, op, r.rows->value());
    return;  // answered when the forget is synced
  } else {
    list(self, op, std::move(r.rows->value()));
  }
  done_attaching(self);
}

void finish_forget(self_ptr self, const device_forgotten& f) {
  auto& s = self->state;
  auto i = s.device_ops.find(f.token);
  if (i == s.device_ops.end()) return;
  auto op = std::move(i->second);
  s.device_ops.erase(i);
  if (f.failure.empty()) give<uint64_t>(op, op.forget_ans, uint64_t{1});
  else give<uint64_t>(op, op.forget_ans, from_store(storage::failure{storage::fault::io, f.failure}));
  done_attaching(self);
}

}  // namespace herald::user_parts
