#pragma once
// One actor per WebSocket connection. Turns client frames into requests to
// its node's namespace actor; their outcomes (answers) are written to the
// connection as reply frames. The socket's end ends the actor (closed); the
// actor's end closes the socket.
//
// An inline actor (actors/inline_actor.hpp): it handles each message on the
// sending thread (a client frame on the socket's Asio thread), so an idle
// connection costs a ~0.5 KB actor instead of a ~1.5 KB scheduled one, and a
// frame no CAF scheduling.
//
// It serves session_interface (actors/session_protocol.hpp): client frames
// from its ws_session, session_closed (the socket is gone: quit),
// session_kick (close with a code), session_attached (its namespace actor
// registered it, or could not: frames that came before are handled now).
#include <string>
#include <unordered_set>
#include <vector>

#include "actors/answer.hpp"
#include "actors/context.hpp"
#include "actors/inline_actor.hpp"
#include "actors/protocol.hpp"

namespace herald {

class session_actor final : public inline_actor {
 public:
  // `expires_ms`: when its token expires (0: never); the connection
  // closes with 4001 then, unless a refresh moved it.
  session_actor(caf::actor_config& cfg, std::string ns, session_info info, connection_ptr conn,
                caf::actor local_ns, context_ptr ctx, int64_t expires_ms);
  const char* name() const override { return "herald.session"; }

  // Registers with the namespace actor; call once, after construction.
  void start();

 protected:
  bool handle(caf::mailbox_element& x, caf::execution_unit* host) override;
  void on_cleanup(const caf::error& reason) override;

 private:
  void on_frame(wire::client_frame& f, caf::execution_unit* host);
  void on_join(wire::client_frame& f, caf::execution_unit* host);
  void on_leave(wire::client_frame& f, caf::execution_unit* host);
  void on_publish(wire::client_frame& f, caf::execution_unit* host);
  void on_refresh(wire::client_frame& f);
  void write(std::string text);
  void reply_error(const std::string& req_id, errc code, std::string msg);
  // An answer that writes the reply to `req_id` (ok with `extra`, or error).
  answer_ptr reply_when_done(std::string req_id, std::string extra = {});

  std::string ns_;
  session_info info_;
  connection_ptr conn_;
  ns_handle local_ns_;
  context_ptr ctx_;
  std::unordered_set<std::string> rooms_;
  bool attached_ = false;
  int64_t expires_ms_ = 0;
  std::vector<wire::client_frame> early_;  // frames before the attach answer
};

// Creates the session actor of a new connection and registers it.
caf::actor spawn_session_actor(caf::actor_system& sys, std::string ns, session_info info,
                               connection_ptr conn, caf::actor local_ns, context_ptr ctx,
                               int64_t expires_ms = 0);

}  // namespace herald
