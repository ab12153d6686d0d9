#pragma once
// One actor per WebSocket connection. Turns client frames into requests to
// its node's namespace actor and answers them with reply frames. The socket's
// end ends the actor (closed_atom); the actor's end closes the socket.
//
// Protocol:
//   wire::client_frame        from its ws_session (join/leave/publish/ack/ping)
//   (closed)                  the socket is gone: quit
//   (kick, code, reason)      close the connection with `code`
#include <string>
#include <unordered_set>

#include <caf/stateful_actor.hpp>

#include "actors/context.hpp"
#include "actors/protocol.hpp"

namespace herald {

struct session_state {
  std::string ns;
  session_info info;
  connection_ptr conn;
  caf::actor local_ns;
  context_ptr ctx;
  std::unordered_set<std::string> rooms;
  static inline const char* name = "herald.session";
};

caf::behavior session_actor(caf::stateful_actor<session_state>* self, std::string ns,
                            session_info info, connection_ptr conn, caf::actor local_ns,
                            context_ptr ctx);

}  // namespace herald
