#pragma once
// A node's Engine.IO relay: Socket.IO without sticky sessions. A sid names
// the node that holds its session; a polling request or a WebSocket that
// reaches another node goes to the holder's relay over the cluster
// (actors/eio_protocol.hpp) instead of failing:
//   - a poll is a request to the holder, which answers it as its own;
//   - a WebSocket stays where it landed and is bridged: its frames go to
//     the holder, which treats it as its transport (a `remote_ws`
//     connection that writes back through this relay), in order.
// One relay per node, spawned before the cluster announces the node; it
// serves the registry it is given once the server is up. Internal to net/.
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/eio_protocol.hpp"
#include "net/api.hpp"
#include "net/eio_session.hpp"

namespace herald {

class eio_registry;

// Node-local messages to the relay.
struct eio_attach {  // the registry it serves
  std::shared_ptr<eio_registry> reg;
};
struct eio_poll_relay {  // ask the holder `to`; `done` gets its answer
  caf::actor to;
  eio_poll_call call;
  reply_fn done;
  int64_t timeout_ms = 0;
};
struct eio_poll_done {  // the holder's registry answered poll `id`
  uint64_t id = 0;
  api_response res;
};

caf::actor spawn_eio_relay(caf::actor_system& sys);

// The node that got a WebSocket for another node's session: forwards its
// frames to the holder's relay.
class eio_bridge : public eio_link {
 public:
  eio_bridge(eio_registry& reg, caf::actor local_relay, caf::actor holder, std::string sid, uint64_t link)
      : reg_(reg), local_(std::move(local_relay)), holder_(std::move(holder)), sid_(std::move(sid)), link_(link) {}
  void ws_opened(const std::shared_ptr<ws_session>& ws) override;
  void ws_text(ws_session& ws, std::string& text) override;
  void ws_binary(ws_session& ws) override;
  void ws_closed(ws_session& ws) override;

 private:
  eio_registry& reg_;
  caf::actor local_;
  caf::actor holder_;
  std::string sid_;
  uint64_t link_;
};

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::eio_attach)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::eio_poll_relay)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::eio_poll_done)
