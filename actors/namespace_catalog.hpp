#pragma once
// The namespaces this node knows, with their settings. Thread-safe: the
// WebSocket upgrade path (Asio threads) reads it to check tokens, the admin
// API changes it. Changes are persisted before they become visible.
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/errors.hpp"
#include "actors/room_access.hpp"

namespace herald {
namespace storage {
class store;
}

// The kinds of webhook event (docs/webhooks.md), a bit each in
// namespace_settings::webhook_events.
enum class hook_kind : uint32_t { connect, disconnect, online, offline, join, leave, undelivered };
inline constexpr uint32_t all_hook_kinds = 0x7f;
const char* to_string(hook_kind k);
// "connect,join" -> bits; nullopt for an unknown name. Empty: none.
std::optional<uint32_t> parse_hook_kinds(std::string_view list);
std::string hook_kinds_text(uint32_t bits);

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
  // Webhooks (docs/webhooks.md): events of the kinds in webhook_events are
  // POSTed to webhook_url, signed with webhook_secret (empty: `secret`),
  // each call allowed webhook_timeout s; an event is retried for
  // webhook_retry s and the queue of one node holds at most webhook_queue
  // bytes. `undelivered` goes for a durable push to a user without a
  // session, or one a device has not acked within undelivered_after s
  // (0: only the first), with the message's data unless undelivered_data
  // is false.
  std::string webhook_url;
  std::string webhook_secret;
  uint32_t webhook_events = all_hook_kinds;
  int64_t webhook_timeout = 5;
  int64_t webhook_retry = 3600;
  int64_t webhook_queue = 16 << 20;
  int64_t undelivered_after = 30;
  bool undelivered_data = true;
  // Room members get a presence frame when a session joins or leaves.
  bool room_events = false;
  // The connect callback (net/auth_client.hpp): asked before every
  // WebSocket upgrade, allows kept auth_cache s per token, an answer
  // awaited auth_timeout s; on a failure, `auth_fallback_token` lets a
  // valid herald JWT in instead of refusing.
  std::string auth_url;
  int64_t auth_cache = 60;
  int64_t auth_timeout = 3;
  bool auth_fallback_token = false;
  // socketio_events = lightpush: the Socket.IO endpoint also takes
  // light-push's event names (joinRoom, leaveRoom, ackPush, the `uuid`
  // query parameter as the device) and emits `push` for messages.
  bool socketio_lightpush = false;
  bool wants(hook_kind k) const {
    return !webhook_url.empty() && (webhook_events >> static_cast<uint32_t>(k) & 1u);
  }
  const std::string& hook_key() const { return webhook_secret.empty() ? secret : webhook_secret; }
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
  static constexpr int64_t max_webhook_timeout = 60;
  static constexpr int64_t max_webhook_retry = int64_t{7} * 86400;
  static constexpr int64_t min_webhook_queue = 64 * 1024;
  static constexpr int64_t max_webhook_queue = int64_t{1} << 30;
  static constexpr int64_t max_undelivered_after = 86400;
  static constexpr int64_t max_auth_cache = 86400;
  static constexpr int64_t max_auth_timeout = 60;

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
