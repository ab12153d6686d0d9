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
  auto& list = dormant_[user];
  for (auto& r : list)
    if (r.info.session == ref.info.session) return list.size();
  list.push_back(std::move(ref));
  if (online_users_.insert(user).second && on_presence) on_presence(user, true);
  return list.size();
}

std::vector<session_ref> home_registry::unpark(const std::string& user) {
  auto d = dormant_.find(user);
  if (d == dormant_.end()) return {};
  auto out = std::move(d->second);
  dormant_.erase(d);
  return out;
}

void home_registry::forget(const std::string& user, const std::string& session) {
  auto d = dormant_.find(user);
  if (d == dormant_.end()) return;
  auto& list = d->second;
  list.erase(std::remove_if(list.begin(), list.end(), [&](const session_ref& r) { return r.info.session == session; }),
             list.end());
  if (!list.empty()) return;
  dormant_.erase(d);
  if (online_users_.erase(user) && on_presence) on_presence(user, false);
}

size_t home_registry::parked(const std::string& user) const {
  auto d = dormant_.find(user);
  return d == dormant_.end() ? 0 : d->second.size();
}

std::vector<std::string> home_registry::dormant_users() const {
  std::vector<std::string> out;
  out.reserve(dormant_.size());
  for (auto& kv : dormant_) out.push_back(kv.first);
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
  auto& set = kind == key_kind::user ? online_users_ : active_rooms_;
  bool changed = on ? set.insert(key).second : set.erase(key) > 0;
  if (changed && kind == key_kind::user && !moved && on_presence) on_presence(key, on);
}

}  // namespace herald
