#pragma once
// Between the Engine.IO relays of two nodes (net/eio_relay.hpp): a
// Socket.IO client's polling request, or its WebSocket, reached a node
// other than the one holding its Engine.IO session (the sid names that
// node), and goes there over the cluster instead of needing sticky
// sessions. The relay of the node that got the request sends these to the
// relay of the holder, and the holder's answers come back the same way.
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/handle.hpp"
#include "actors/interface.hpp"

namespace herald {

// A polling GET or POST for session `sid`; answer: eio_poll_answer.
struct eio_poll_call {
  std::string sid;
  std::string method;
  std::string body;
};
struct eio_poll_answer {
  int32_t status = 0;
  std::string body;
  std::string content_type;
};

// A WebSocket for session `sid` opened at the sender's node (`link`
// numbers it there); its frames and its end follow in order.
struct eio_ws_open {
  std::string sid;
  uint64_t link = 0;
  caf::actor relay;  // where the holder writes to it
};
struct eio_ws_in {
  uint64_t link = 0;
  std::string text;
  bool binary = false;
};
struct eio_ws_closed {
  uint64_t link = 0;
  uint16_t code = 0;
};
// From the holder: a frame to write to that WebSocket, or its close.
struct eio_ws_out {
  uint64_t link = 0;
  std::string text;
};
struct eio_ws_close {
  uint64_t link = 0;
  uint16_t code = 0;
  std::string reason;
};

struct eio_relay_interface
    : interface<eio_poll_call, eio_ws_open, eio_ws_in, eio_ws_closed, eio_ws_out, eio_ws_close> {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eio_poll_call& x) {
  return f(caf::meta::type_name("herald.eio_poll_call"), x.sid, x.method, x.body);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eio_poll_answer& x) {
  return f(caf::meta::type_name("herald.eio_poll_answer"), x.status, x.body, x.content_type);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eio_ws_open& x) {
  return f(caf::meta::type_name("herald.eio_ws_open"), x.sid, x.link, x.relay);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eio_ws_in& x) {
  return f(caf::meta::type_name("herald.eio_ws_in"), x.link, x.text, x.binary);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eio_ws_closed& x) {
  return f(caf::meta::type_name("herald.eio_ws_closed"), x.link, x.code);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eio_ws_out& x) {
  return f(caf::meta::type_name("herald.eio_ws_out"), x.link, x.text);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eio_ws_close& x) {
  return f(caf::meta::type_name("herald.eio_ws_close"), x.link, x.code, x.reason);
}

}  // namespace herald
