#pragma once
// Who may join and publish to which room (namespace key room_policy). Pure:
// the token's claims are read by net/token.cpp, the subscribe callback is
// asked by net/subscribe_client.cpp; this is the decision and its cache.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace herald {

enum class room_policy { open, token, callback };
std::optional<room_policy> parse_room_policy(std::string_view s);
const char* to_string(room_policy p);

// Room names or prefixes ending in '*' ("chat.*" matches "chat.1"; "*"
// matches every room).
class room_patterns {
 public:
  room_patterns() = default;
  explicit room_patterns(std::vector<std::string> patterns);
  bool matches(std::string_view room) const;
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
};

// What a session's token grants (claims `rooms` and `publish`). A claim
// that is absent grants nothing of its own: without `publish`, a session
// may publish to the rooms it may join.
struct room_grants {
  std::optional<room_patterns> rooms;
  std::optional<room_patterns> publish;

  bool may_join(std::string_view room) const { return rooms && rooms->matches(room); }
  bool may_publish(std::string_view room) const {
    return publish ? publish->matches(room) : may_join(room);
  }
};

// What a session's token gives it: when it expires (ms since the epoch,
// 0: never) and its room claims (null when it has none; shared, since a
// refresh replaces them while a join may still read the old ones).
struct token_grant {
  int64_t expires_ms = 0;
  std::shared_ptr<const room_grants> rooms;
};

// The subscribe callback's allows, per (namespace, user, device, room), for
// a number of seconds. Refusals and failures are not kept: the next join
// asks again. Thread-safe (sessions ask from any thread); bounded: when
// full, expired entries go, then everything (a burst of distinct joins
// costs callbacks, never memory).
class allow_cache {
 public:
  explicit allow_cache(size_t max_entries = 100000) : max_(max_entries) {}
  static std::string key(std::string_view ns, std::string_view user, std::string_view client,
                         std::string_view room);
  bool allowed(const std::string& key, int64_t now_ms) const;
  void allow(const std::string& key, int64_t until_ms, int64_t now_ms);
  // A namespace's entries go when its settings change or it is deleted.
  void forget_namespace(std::string_view ns);
  size_t size() const;

 private:
  size_t max_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, int64_t> until_;
};

}  // namespace herald
