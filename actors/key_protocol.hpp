#pragma once
// The key-routed interface: messages for the actor of one user or one room,
// wherever it lives. Each names its key; a sender hands it to a namespace
// actor, which forwards it by key (to the key's home node, where the home
// namespace actor activates the user or room actor) without knowing which
// message it is. Each struct is a request with the answer type beside it;
// those the HTTP API makes carry an `ans` that takes the outcome instead of
// a response when it is given on the caller's node (it never crosses nodes:
// actors/pass_on.hpp, and it is not serialised). `respond` gives it.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/answer.hpp"
#include "actors/directory.hpp"
#include "actors/handoff.hpp"
#include "actors/interface.hpp"
#include "actors/types.hpp"

namespace herald {

// -- user actor ---------------------------------------------------------------

struct u_attach {  // -> uint64 sessions; then replays the device's backlog to its node
  std::string user;
  session_ref ref;
};
struct u_push {  // -> uint64 sessions reached, once durable (ttl_ms > 0)
  std::string user;
  message msg;
  int64_t ttl_ms = 0;
  // Given the outcome instead of a response when sender and user actor
  // share a node; never crosses nodes (actors/pass_on.hpp).
  answer_ptr ans;
};
struct u_info {  // -> vector<session_info>
  std::string user;
  answer_of<std::vector<session_info>> ans;
};
struct u_kick {  // -> uint64 sessions closed
  std::string user;
  uint16_t code = 0;
  answer_ptr ans;
};
struct u_ack {  // no reply: advances the device's cursor
  std::string user;
  std::string device;
  std::vector<std::string> ids;
};
struct u_merge {  // -> uint64 records new here: a previous owner's state
  std::string user;
  handoff_state state;
};

// What GET /v1/users/{user}/devices shows of one device.
struct device_info {
  std::string client;
  storage::device_record record;
  bool online = false;
  uint64_t unacked = 0;
};
struct u_device_seen {  // no reply: a session of the device connected or ended (a patch of its record)
  std::string user;
  std::string device;
  storage::device_record patch;
};
struct u_devices {  // -> vector<device_info>: every device with a record or an ack cursor
  std::string user;
  answer_of<std::vector<device_info>> ans;
};
struct u_forget_device {  // -> uint64 1 if the device was known: its record and cursor go
  std::string user;
  std::string device;
  bool only_if_offline = false;  // a prune leaves a connected device alone
  answer_ptr ans;
};

struct user_interface
    : interface<u_attach, u_push, u_info, u_kick, u_ack, u_merge, u_device_seen, u_devices, u_forget_device> {};

// -- room actor ---------------------------------------------------------------

struct r_join {  // -> uint64 members; `since` replays retained messages after it
  std::string room;
  session_ref ref;
  std::string since;
};
struct r_leave {  // -> uint64 members
  std::string room;
  std::string session;
};
struct r_publish {  // -> uint64 sessions reached, once in the history
  std::string room;
  message msg;
  std::string exclude;  // the publishing session
};
struct r_info {  // -> vector<session_info>
  std::string room;
  answer_of<std::vector<session_info>> ans;
};
struct r_history {  // -> vector<message>
  std::string room;
  uint64_t limit = 0;
  std::string since;
  answer_of<std::vector<message>> ans;
};
struct r_merge {  // -> uint64 records new here
  std::string room;
  handoff_state state;
};

struct room_interface : interface<r_join, r_leave, r_publish, r_info, r_history, r_merge> {};

// The key of a key-routed message, and its kind.
template <class T>
const std::string& key_of(const T& m) {
  if constexpr (in_interface_v<user_interface, T>) return m.user;
  else return m.room;
}
template <class T>
constexpr key_kind kind_of() {
  static_assert(in_interface_v<user_interface, T> || in_interface_v<room_interface, T>);
  return in_interface_v<user_interface, T> ? key_kind::user : key_kind::room;
}

// What accepts a key's messages: its actor, or a namespace actor that
// routes them to it.
template <key_kind K>
using key_interface = std::conditional_t<K == key_kind::user, user_interface, room_interface>;
template <key_kind K>
using key_handle = handle<key_interface<K>>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_attach& x) {
  return f(caf::meta::type_name("herald.u_attach"), x.user, x.ref);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_push& x) {
  return f(caf::meta::type_name("herald.u_push"), x.user, x.msg, x.ttl_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_info& x) {
  return f(caf::meta::type_name("herald.u_info"), x.user);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_kick& x) {
  return f(caf::meta::type_name("herald.u_kick"), x.user, x.code);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_ack& x) {
  return f(caf::meta::type_name("herald.u_ack"), x.user, x.device, x.ids);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_merge& x) {
  return f(caf::meta::type_name("herald.u_merge"), x.user, x.state);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_info& x) {
  return f(caf::meta::type_name("herald.device_info"), x.client, x.record.first_seen, x.record.last_connect,
           x.record.last_disconnect, x.record.node, x.record.remote, x.record.user_agent, x.record.meta, x.online,
           x.unacked);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_device_seen& x) {
  return f(caf::meta::type_name("herald.u_device_seen"), x.user, x.device, x.patch.first_seen, x.patch.last_connect,
           x.patch.last_disconnect, x.patch.node, x.patch.remote, x.patch.user_agent, x.patch.meta);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_devices& x) {
  return f(caf::meta::type_name("herald.u_devices"), x.user);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, u_forget_device& x) {
  return f(caf::meta::type_name("herald.u_forget_device"), x.user, x.device, x.only_if_offline);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, r_join& x) {
  return f(caf::meta::type_name("herald.r_join"), x.room, x.ref, x.since);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, r_leave& x) {
  return f(caf::meta::type_name("herald.r_leave"), x.room, x.session);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, r_publish& x) {
  return f(caf::meta::type_name("herald.r_publish"), x.room, x.msg, x.exclude);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, r_info& x) {
  return f(caf::meta::type_name("herald.r_info"), x.room);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, r_history& x) {
  return f(caf::meta::type_name("herald.r_history"), x.room, x.limit, x.since);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, r_merge& x) {
  return f(caf::meta::type_name("herald.r_merge"), x.room, x.state);
}

}  // namespace herald
