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
// registered it, or could not: frames that came before are handled now),
// room_checked (the subscribe callback's verdict on a room it asked for).
//
// Room permissions (namespace key room_policy) are decided here, before a
// join or publish reaches any room: a refusal is the same whether the room
// exists or not. While the subscribe callback is asked about a join, later
// frames wait, so they keep their order.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/answer.hpp"
#include "actors/context.hpp"
#include "actors/inline_actor.hpp"
#include "actors/protocol.hpp"
#include "actors/room_set.hpp"

namespace herald {

class session_actor final : public inline_actor {
 public:
  // `grant`: what its token gives. At grant.expires_ms (0: never) the
  // connection closes with 4001, unless a refresh moved it.
  session_actor(caf::actor_config& cfg, std::string ns, session_info info, connection_ptr conn,
                caf::actor local_ns, context_ptr ctx, token_grant grant);
  const char* name() const override { return "herald.session"; }

  // Registers with the namespace actor; call once, after construction.
  // `device`: what the connect tells of the device (remote address, user
  // agent, meta), for its record.
  void start(storage::device_record device = {});

 protected:
  bool handle(caf::mailbox_element& x, caf::execution_unit* host) override;
  void on_cleanup(const caf::error& reason) override;

 private:
  void on_frame(wire::client_frame& f, caf::execution_unit* host);
  void on_join(wire::client_frame& f, caf::execution_unit* host);
  void join_now(wire::client_frame& f, caf::execution_unit* host);
  void ask_subscribe(wire::client_frame& f, const namespace_settings& ns, const std::vector<std::string>& rooms);
  void on_room_checked(const room_checked& c, caf::execution_unit* host);
  void run_waiting(caf::execution_unit* host);
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
  room_set rooms_;
  bool attached_ = false;
  token_grant grant_;
  // Frames before the attach answer, or while a join waits for its checks;
  // on the heap only while there are some (a vector kept its capacity).
  std::unique_ptr<std::vector<wire::client_frame>> early_;
  // The join whose rooms the subscribe callback is asked about; on the
  // heap: most sessions never have one (~300 B inline).
  struct pending_join {
    wire::client_frame frame;
    size_t left = 0;                 // verdicts still to come
    std::optional<room_checked> no;  // the first refusal or failure
  };
  std::unique_ptr<pending_join> checking_;
  uint64_t joins_checked_ = 0;
};

// Creates the session actor of a new connection and registers it.
caf::actor spawn_session_actor(caf::actor_system& sys, std::string ns, session_info info,
                               connection_ptr conn, caf::actor local_ns, context_ptr ctx,
                               token_grant grant = {}, storage::device_record device = {});

}  // namespace herald
