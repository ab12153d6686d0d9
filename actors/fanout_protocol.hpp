#pragma once
// The fan-out interface of a node's namespace actor: user and room actors
// (on any node) hand it messages for the sessions on its node, which it
// encodes once and writes to each (actors/local_hub.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/interface.hpp"
#include "actors/message.hpp"

namespace herald {

struct deliver {  // no reply: a live message for these sessions of one user
  message msg;
  std::vector<std::string> sessions;
};
struct replay {  // no reply: a backlog or a room's retained messages for one session, in order
  std::vector<message> msgs;
  std::string session;
};
struct room_deliver {  // no reply: a room message for this node's members but `exclude`
  std::string room;
  message msg;
  std::string exclude;
};
struct all_deliver {  // -> uint64 sessions reached; their receipt counts are queued
  message msg;
};
struct clients_deliver {  // -> uint64 the same, for the sessions of these devices
  message msg;
  std::vector<std::string> clients;                       // any user's device of this id
  std::vector<std::string> device_users, device_clients;  // this user's device of this id
};

struct room_presence {  // no reply: a member joined or left (room_events), for this node's members but `session`
  std::string room;
  std::string event;  // "join" or "leave"
  std::string user;
  std::string session;
};

struct fanout_interface : interface<deliver, replay, room_deliver, all_deliver, clients_deliver, room_presence> {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, deliver& x) {
  return f(caf::meta::type_name("herald.deliver"), x.msg, x.sessions);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay& x) {
  return f(caf::meta::type_name("herald.replay"), x.msgs, x.session);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_deliver& x) {
  return f(caf::meta::type_name("herald.room_deliver"), x.room, x.msg, x.exclude);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_presence& x) {
  return f(caf::meta::type_name("herald.room_presence"), x.room, x.event, x.user, x.session);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, all_deliver& x) {
  return f(caf::meta::type_name("herald.all_deliver"), x.msg);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, clients_deliver& x) {
  return f(caf::meta::type_name("herald.clients_deliver"), x.msg, x.clients, x.device_users, x.device_clients);
}

}  // namespace herald
