#pragma once
// One actor per (namespace, room), on the room's home node. Knows the room's
// members and, for fan-out, which nodes they are on: a message goes once to
// each such node's namespace actor, which writes one shared frame to its
// local members. Keeps the last `room_history` messages (in the store, and a
// copy in memory loaded at start) for `since` replay and the history API.
//
// It serves room_interface (actors/key_protocol.hpp), every message via the
// home namespace actor, counted like the user actor's; handing off, it
// forwards everything to the new owner.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/context.hpp"
#include "actors/pending_commits.hpp"
#include "actors/protocol.hpp"

namespace herald {

// A member as the room needs it: who (presence, GET /v1/rooms/{room})
// and the node whose namespace actor writes its frames. Not the whole
// session_ref: its session actor is never addressed from here, and its
// node's name is kept once per node. User and device id share one string
// ("user\0client"; neither may hold a NUL): one std::string less per
// member, an entry of 112 B of heap instead of 144.
class room_member {
 public:
  room_member(std::string_view user, std::string_view client, int64_t since, handle<fanout_interface> node_ns)
    : since(since), node_ns(std::move(node_ns)), ids_(user) {
    ids_ += '\0';
    ids_ += client;
  }
  std::string_view user() const { return std::string_view(ids_).substr(0, ids_.find('\0')); }
  std::string_view client() const { return std::string_view(ids_).substr(ids_.find('\0') + 1); }

  int64_t since = 0;
  handle<fanout_interface> node_ns;

 private:
  std::string ids_;
};
struct room_node {
  size_t members = 0;
  std::string name;
};

struct room_state {
  std::string ns, room;
  handle<parent_interface> parent;
  context_ptr ctx;
  std::unordered_map<std::string, room_member> members;  // by session id
  std::map<handle<fanout_interface>, room_node> nodes;     // node namespace actor -> its members here
  std::deque<std::pair<uint64_t, message>> history;  // (seq, message), oldest first
  uint64_t last_seq = 0;
  pending_commits waiting;  // publish answers waiting for the history write
  uint64_t seen = 0;
  uint64_t idle_token = 0;
  static inline const char* name = "herald.room";
};

caf::behavior room_actor(caf::stateful_actor<room_state>* self, std::string ns, std::string room,
                         handle<parent_interface> parent, context_ptr ctx);

}  // namespace herald
