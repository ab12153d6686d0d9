#pragma once
// The namespaces this node knows, with their settings. Thread-safe: the
// WebSocket upgrade path (Asio threads) reads it to check tokens, the admin
// API changes it. Changes are persisted before they become visible.
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/errors.hpp"
#include "actors/room_access.hpp"

namespace herald {
namespace storage {
class store;
}

struct namespace_settings {
  std::string name;
  std::string secret;
  bool client_publish = false;
  int64_t message_ttl = 86400;  // seconds
  int64_t room_history = 100;   // messages per room
  // A rotation's grace: the previous secret still authenticates until
  // previous_until_ms; secret_grace (seconds) is how long the next one gets.
  std::string previous_secret;
  int64_t previous_until_ms = 0;
  int64_t secret_grace = 3600;
  // Who may join and publish to which room (actors/room_access.hpp); with
  // `callback`, subscribe_url is asked, its allows kept subscribe_cache
  // seconds, an answer awaited at most subscribe_timeout seconds.
  room_policy rooms = room_policy::open;
  std::string subscribe_url;
  int64_t subscribe_cache = 60;
  int64_t subscribe_timeout = 3;
  // When the settings last changed (ms): across the cluster a newer copy
  // replaces an older one.
  int64_t changed_ms = 0;
  // The bounds, for the config file and the admin API alike: a ttl in ms
  // (ts + ttl * 1000) must stay far inside int64_t.
  static constexpr int64_t max_message_ttl = int64_t{10} * 365 * 86400;
  static constexpr int64_t max_room_history = 100000;
  static constexpr int64_t max_secret_grace = int64_t{30} * 86400;
  static constexpr int64_t max_subscribe_cache = 86400;
  static constexpr int64_t max_subscribe_timeout = 60;

  // The settings hang together: `callback` needs an http:// subscribe_url
  // on one of `hook_hosts` ([node] hook_hosts).
  status check(const std::vector<std::string>& hook_hosts) const;

  // The secrets that authenticate at `now_ms`: the current one first.
  std::vector<std::string> secrets(int64_t now_ms) const;

  std::string to_json() const;
  static result<namespace_settings> from_json(const std::string& name, const std::string& text);
};

using settings_ptr = std::shared_ptr<const namespace_settings>;

class namespace_catalog {
 public:
  // `st` may be null (tests): then nothing is persisted.
  explicit namespace_catalog(storage::store* st) : store_(st) {}

  // Reads the persisted namespaces.
  status load();
  // Creates or replaces (namespaces from config.ini win over stored ones).
  status put(namespace_settings s);
  // Creates; errc::conflict when the name exists.
  status create(namespace_settings s);
  // errc::not_found when absent.
  status remove(const std::string& name);
  // A new random secret; the old one stays valid for secret_grace seconds.
  result<settings_ptr> rotate_secret(const std::string& name, int64_t now_ms);
  // Changes an existing namespace's settings (`change` may refuse);
  // errc::not_found when absent. A newer changed_ms, so members adopt it.
  result<settings_ptr> update(const std::string& name, const std::function<status(namespace_settings&)>& change,
                              int64_t now_ms);
  settings_ptr get(const std::string& name) const;
  std::vector<settings_ptr> list() const;

 private:
  status persist(const namespace_settings& s);
  storage::store* store_;
  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, settings_ptr> map_;
};

// A random secret: 32 hex characters from the OS's CSPRNG.
std::string random_secret();

}  // namespace herald
