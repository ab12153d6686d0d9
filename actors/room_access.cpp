#include "actors/room_access.hpp"

#include <iterator>

namespace herald {

std::optional<room_policy> parse_room_policy(std::string_view s) {
  if (s == "open") return room_policy::open;
  if (s == "token") return room_policy::token;
  if (s == "callback") return room_policy::callback;
  return std::nullopt;
}

const char* to_string(room_policy p) {
  switch (p) {
    case room_policy::open: return "open";
    case room_policy::token: return "token";
    case room_policy::callback: return "callback";
  }
  return "open";
}

room_patterns::room_patterns(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}

bool room_patterns::matches(std::string_view room) const {
  for (auto& p : patterns_) {
    if (!p.empty() && p.back() == '*') {
      auto prefix = std::string_view(p).substr(0, p.size() - 1);
      if (room.substr(0, prefix.size()) == prefix) return true;
    } else if (p == room) {
      return true;
    }
  }
  return false;
}

std::string allow_cache::key(std::string_view ns, std::string_view user, std::string_view client,
                             std::string_view room) {
  // Names hold no control characters: \x1f cannot occur in any of them.
  std::string k;
  k.reserve(ns.size() + user.size() + client.size() + room.size() + 3);
  k.append(ns).push_back('\x1f');
  k.append(user).push_back('\x1f');
  k.append(client).push_back('\x1f');
  k.append(room);
  return k;
}

bool allow_cache::allowed(const std::string& key, int64_t now_ms) const {
  std::lock_guard lock(mtx_);
  auto i = until_.find(key);
  return i != until_.end() && i->second > now_ms;
}

void allow_cache::allow(const std::string& key, int64_t until_ms, int64_t now_ms) {
  if (until_ms <= now_ms || max_ == 0) return;
  std::lock_guard lock(mtx_);
  if (until_.size() >= max_ && !until_.count(key)) {
    for (auto i = until_.begin(); i != until_.end();) i = i->second <= now_ms ? until_.erase(i) : std::next(i);
    if (until_.size() >= max_) until_.clear();
  }
  until_[key] = until_ms;
}

void allow_cache::forget_namespace(std::string_view ns) {
  std::lock_guard lock(mtx_);
  for (auto i = until_.begin(); i != until_.end();) {
    auto sep = i->first.find('\x1f');
    i = std::string_view(i->first).substr(0, sep) == ns ? until_.erase(i) : std::next(i);
  }
}

size_t allow_cache::size() const {
  std::lock_guard lock(mtx_);
  return until_.size();
}

}  // namespace herald
