#include "actors/home_registry.hpp"

#include <algorithm>

namespace herald {

home_registry::child* home_registry::find(key_kind kind, const std::string& key) {
  auto& t = table(kind);
  auto i = t.find(key);
  return i == t.end() ? nullptr : &i->second;
}

home_registry::child& home_registry::add(key_kind kind, const std::string& key, caf::actor a) {
  return table(kind)[key] = child{std::move(a), 0, false};
}

std::optional<caf::actor> home_registry::accept_idle(key_kind kind, const std::string& key, uint64_t seen) {
  auto& t = table(kind);
  auto i = t.find(key);
  if (i == t.end() || i->second.sent != seen || i->second.leaving) return std::nullopt;
  auto a = std::move(i->second.actor);
  t.erase(i);
  return a;
}

std::optional<bool> home_registry::ended(key_kind kind, const std::string& key, const caf::actor_addr& a) {
  auto& t = table(kind);
  auto i = t.find(key);
  if (i == t.end() || i->second.actor.address() != a) return std::nullopt;
  bool leaving = i->second.leaving;
  t.erase(i);
  return leaving;
}

size_t home_registry::park(const std::string& user, session_ref ref) {
  auto id = ref.info.session;
  return park(user, std::move(id), std::make_unique<session_ref>(std::move(ref)));
}

size_t home_registry::park_local(const std::string& user, std::string session) {
  return park(user, std::move(session), nullptr);
}

size_t home_registry::park(const std::string& user, std::string session, std::unique_ptr<session_ref> remote) {
  auto& u = homed_users_[user];
  for (auto& p : u.parked)
    if (p.session == session) return u.parked.size();
  u.parked.push_back(parked_entry{std::move(session), std::move(remote)});
  if (!u.online) set_user_online(user, true, false);
  return u.parked.size();
}

home_registry::parked_sessions home_registry::unpark(const std::string& user) {
  parked_sessions out;
  auto u = homed_users_.find(user);
  if (u == homed_users_.end()) return out;
  for (auto& p : u->second.parked) {
    if (p.remote) out.remote.push_back(std::move(*p.remote));
    else out.local.push_back(std::move(p.session));
  }
  // Online still: the user's actor reports its presence from now on.
  std::vector<parked_entry>().swap(u->second.parked);
  if (!u->second.online) homed_users_.erase(u);
  return out;
}

void home_registry::forget(const std::string& user, const std::string& session) {
  auto u = homed_users_.find(user);
  if (u == homed_users_.end() || u->second.parked.empty()) return;
  auto& list = u->second.parked;
  list.erase(std::remove_if(list.begin(), list.end(), [&](const parked_entry& p) { return p.session == session; }),
             list.end());
  if (list.empty()) set_user_online(user, false, false);
}

size_t home_registry::parked(const std::string& user) const {
  auto u = homed_users_.find(user);
  return u == homed_users_.end() ? 0 : u->second.parked.size();
}

std::vector<std::string> home_registry::dormant_users() const {
  std::vector<std::string> out;
  for (auto& [user, u] : homed_users_)
    if (!u.parked.empty()) out.push_back(user);
  return out;
}

uint64_t home_registry::wait_for_check(pending_attach p) {
  auto token = ++next_check_;
  checking_.emplace(token, std::move(p));
  return token;
}

std::optional<home_registry::pending_attach> home_registry::checked(uint64_t token) {
  auto i = checking_.find(token);
  if (i == checking_.end()) return std::nullopt;
  auto p = std::move(i->second);
  checking_.erase(i);
  return p;
}

void home_registry::set_online(key_kind kind, const std::string& key, bool on, bool moved) {
  if (kind == key_kind::user) return set_user_online(key, on, moved);
  if (on) active_rooms_.insert(key);
  else active_rooms_.erase(key);
}

void home_registry::set_user_online(const std::string& user, bool on, bool moved) {
  auto u = on ? homed_users_.try_emplace(user).first : homed_users_.find(user);
  if (u == homed_users_.end()) return;
  bool changed = u->second.online != on;
  u->second.online = on;
  if (changed) on ? ++users_online_ : --users_online_;
  if (!on && u->second.parked.empty()) homed_users_.erase(u);
  if (changed && !moved && on_presence) on_presence(user, on);
}

}  // namespace herald
