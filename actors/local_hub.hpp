#pragma once
// One namespace's sessions on this node and their room memberships: where
// every message for this node's clients ends. A message is encoded once
// into a shared frame and the same bytes go to each local recipient, all
// sends of one fan-out inside one send_batch (one wake of the network
// thread). Counts what is published, delivered and acked here, in the
// namespace's windows and the node's metrics. Pure: no actors; the
// namespace actor holds one and Catch2 drives it with fake connections.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/connection.hpp"
#include "actors/room_set.hpp"
#include "actors/types.hpp"
#include "actors/window_counter.hpp"

namespace herald {

class metrics;

class local_hub {
 public:
  // What the hub keeps of a session: its id is the key and its node is
  // this one, so neither is stored again (info() gives them back).
  struct session {
    std::string user;
    std::string client;  // device id, empty when the client gave none
    int64_t since = 0;
    handle<session_interface> actor;
    connection_ptr conn;
    room_set rooms;
  };

  // `stats` may be null (tests); `node`: this node's name.
  explicit local_hub(metrics* stats, std::string node = {}) : stats_(stats), node_(std::move(node)) {}

  // A session whose attach is settled: it gets messages from now on.
  void add(const session_info& info, handle<session_interface> actor, connection_ptr conn);
  // The session as it connected.
  session_info info(const std::string& id, const session& s) const { return {id, s.user, s.client, node_, s.since}; }
  // Takes a session out (it ended), with the rooms it was in.
  std::optional<session> remove(const std::string& id);
  const session* find(const std::string& id) const;
  size_t size() const { return sessions_.size(); }

  // Room membership on this node; false when the session is unknown.
  bool join(const std::string& id, const std::string& room);
  bool leave(const std::string& id, const std::string& room);

  // The fan-outs; each answers how many frames it handed on.
  uint64_t to_sessions(const message& m, const std::vector<std::string>& ids);
  uint64_t replay(const std::string& id, const std::vector<message>& msgs);
  uint64_t to_room(const std::string& room, const message& m, const std::string& exclude);
  // A frame that is not a message (room_events' presence) to the room's
  // members here but `exclude`; not counted as delivered.
  uint64_t to_room_frame(const std::string& room, const frame_ptr& f, const std::string& exclude);
  uint64_t to_all(const message& m);
  // Sessions whose device is one of `clients` (any user's), or is
  // device_clients[i] of user device_users[i].
  uint64_t to_clients(const message& m, const std::vector<std::string>& clients,
                      const std::vector<std::string>& device_users = {},
                      const std::vector<std::string>& device_clients = {});
  // Closes every session's connection; answers how many.
  uint64_t close_all(uint16_t code, const std::string& reason);
  // One step of a drain spread over `steps_left` steps: closes 1/steps_left
  // of the sessions not closed yet (rounded to the nearest; all when it is
  // 1). Answers how many it closed.
  uint64_t close_share(uint16_t code, const std::string& reason, uint32_t steps_left);
  // Forgets every session at once (the namespace was deleted: they close
  // and nothing more is owed to them).
  void clear();

  void count_published(int64_t now);
  void count_acked(int64_t now, uint64_t n);
  window_totals published(int64_t now) const { return published_.totals(now); }
  window_totals delivered(int64_t now) const { return delivered_.totals(now); }
  window_totals acked(int64_t now) const { return acked_.totals(now); }

  const std::unordered_map<std::string, session>& sessions() const { return sessions_; }

 private:
  // `recipients`: how many it may reach (send_batch: a big fan-out's
  // frames count in the node's delivery backlog).
  template <class Range, class Pick>
  uint64_t fan_out(const message& m, const Range& range, Pick pick, size_t recipients);
  void count_delivered(uint64_t n);

  metrics* stats_;
  std::string node_;
  std::unordered_map<std::string, session> sessions_;                                    // by id
  // room -> session id (a view of sessions_' key) -> its connection (held
  // by sessions_): a membership costs no copy of either.
  std::unordered_map<std::string, std::unordered_map<std::string_view, connection*>> rooms_;
  // Closed by a drain step, not gone yet: a set used only while a node
  // drains, not a flag that every session would carry.
  std::unordered_set<std::string> closing_;
  window_counter published_, delivered_, acked_;
};

}  // namespace herald
