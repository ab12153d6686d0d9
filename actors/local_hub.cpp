#include "actors/local_hub.hpp"

#include <set>
#include <string_view>

#include "actors/ids.hpp"
#include "actors/metrics.hpp"
#include "actors/wire.hpp"

namespace herald {

void local_hub::add(const session_info& info, handle<session_interface> actor, connection_ptr conn) {
  if (!sessions_.emplace(info.session, session{info.user, info.client, info.since, std::move(actor), std::move(conn), {}})
         .second)
    return;
  if (stats_) {
    stats_->connections.Increment();
    stats_->connections_total.Increment();
  }
}

std::optional<local_hub::session> local_hub::remove(const std::string& id) {
  auto i = sessions_.find(id);
  if (i == sessions_.end()) return std::nullopt;
  // Out of its rooms first: their entries view the key erased below.
  for (auto& room : i->second.rooms) {
    auto r = rooms_.find(room);
    if (r == rooms_.end()) continue;
    r->second.erase(id);
    if (r->second.empty()) rooms_.erase(r);
  }
  auto s = std::move(i->second);
  sessions_.erase(i);
  closing_.erase(id);
  if (stats_) stats_->connections.Decrement();
  return s;
}

const local_hub::session* local_hub::find(const std::string& id) const {
  auto i = sessions_.find(id);
  return i == sessions_.end() ? nullptr : &i->second;
}

bool local_hub::join(const std::string& id, const std::string& room) {
  auto s = sessions_.find(id);
  if (s == sessions_.end()) return false;
  s->second.rooms.insert(room);
  rooms_[room][std::string_view(s->first)] = s->second.conn.get();
  return true;
}

bool local_hub::leave(const std::string& id, const std::string& room) {
  auto s = sessions_.find(id);
  if (s == sessions_.end()) return false;
  s->second.rooms.erase(room);
  auto r = rooms_.find(room);
  if (r != rooms_.end()) {
    r->second.erase(id);
    if (r->second.empty()) rooms_.erase(r);
  }
  return true;
}

void local_hub::count_delivered(uint64_t n) {
  if (n == 0) return;
  delivered_.add(now_ms(), n);
  if (stats_) stats_->delivered.Increment(static_cast<double>(n));
}

void local_hub::count_published(int64_t now) {
  published_.add(now);
  if (stats_) stats_->published.Increment();
}

void local_hub::count_acked(int64_t now, uint64_t n) {
  acked_.add(now, n);
  if (stats_) stats_->acked.Increment(static_cast<double>(n));
}

// Encoded only once there is a recipient; delivered counted once per fan-out.
template <class Range, class Pick>
uint64_t local_hub::fan_out(const message& m, const Range& range, Pick pick, size_t recipients) {
  frame_ptr frame;
  uint64_t n = 0;
  send_batch batch(recipients);
  for (auto& x : range) {
    connection* conn = pick(x);
    if (!conn) continue;
    if (!frame) frame = wire::encode(m);
    conn->send(frame);
    ++n;
  }
  count_delivered(n);
  return n;
}

uint64_t local_hub::to_sessions(const message& m, const std::vector<std::string>& ids) {
  return fan_out(m, ids, [&](const std::string& id) -> connection* {
    auto i = sessions_.find(id);
    return i == sessions_.end() ? nullptr : i->second.conn.get();
  }, ids.size());
}

uint64_t local_hub::replay(const std::string& id, const std::vector<message>& msgs) {
  auto i = sessions_.find(id);
  if (i == sessions_.end()) return 0;
  for (auto& m : msgs) i->second.conn->send(wire::encode(m));
  count_delivered(msgs.size());
  return msgs.size();
}

uint64_t local_hub::to_room(const std::string& room, const message& m, const std::string& exclude) {
  auto r = rooms_.find(room);
  if (r == rooms_.end()) return 0;
  return fan_out(m, r->second, [&](const auto& kv) -> connection* {
    return kv.first == exclude ? nullptr : kv.second;
  }, r->second.size());
}

uint64_t local_hub::to_room_frame(const std::string& room, const frame_ptr& f, const std::string& exclude) {
  auto r = rooms_.find(room);
  if (r == rooms_.end()) return 0;
  uint64_t n = 0;
  send_batch batch(r->second.size());
  for (auto& [id, conn] : r->second)
    if (id != exclude) conn->send(f), ++n;
  return n;
}

uint64_t local_hub::to_all(const message& m) {
  return fan_out(m, sessions_, [](const auto& kv) -> connection* { return kv.second.conn.get(); }, sessions_.size());
}

uint64_t local_hub::to_clients(const message& m, const std::vector<std::string>& clients,
                               const std::vector<std::string>& device_users,
                               const std::vector<std::string>& device_clients) {
  std::unordered_set<std::string> any(clients.begin(), clients.end());
  std::set<std::pair<std::string_view, std::string_view>> mine;
  for (size_t i = 0; i < device_users.size() && i < device_clients.size(); ++i)
    mine.emplace(device_users[i], device_clients[i]);
  return fan_out(m, sessions_, [&](const auto& kv) -> connection* {
    auto& s = kv.second;
    if (s.client.empty()) return nullptr;  // a session without a device is no device's
    bool hit = any.count(s.client) || mine.count({std::string_view(s.user), std::string_view(s.client)});
    return hit ? s.conn.get() : nullptr;
  }, clients.size() + device_clients.size());
}

uint64_t local_hub::close_all(uint16_t code, const std::string& reason) {
  for (auto& kv : sessions_) kv.second.conn->close(code, reason);
  return sessions_.size();
}

uint64_t local_hub::close_share(uint16_t code, const std::string& reason, uint32_t steps_left) {
  size_t open = sessions_.size() - closing_.size();
  // Rounded to the nearest (half up), not up: 4 sessions over 20 steps
  // close at steps 8, 6, 4 and 2 from the end, not in the first four.
  auto n = steps_left <= 1 ? open : (2 * open + steps_left) / (2 * size_t{steps_left});
  uint64_t closed = 0;
  for (auto& kv : sessions_) {
    if (closed == n) break;
    if (!closing_.insert(kv.first).second) continue;
    kv.second.conn->close(code, reason);
    ++closed;
  }
  return closed;
}

void local_hub::clear() {
  if (stats_) stats_->connections.Decrement(static_cast<double>(sessions_.size()));
  sessions_.clear();
  closing_.clear();
  rooms_.clear();
}

}  // namespace herald
