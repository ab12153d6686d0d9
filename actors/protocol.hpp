#pragma once
// herald's actor protocols, one header per interface:
//   session_protocol.hpp  a session actor; sessions -> their node (node-local)
//   key_protocol.hpp      the user and room actors, routed by key
//   fanout_protocol.hpp   user/room actors -> the namespace actor of a node with sessions
//   home_protocol.hpp     namespace actor <-> its children; node and operators -> it
// (cluster/protocol.hpp has the membership actors'.) This header adds the
// type-ID block: everything that may cross nodes is inspectable and in it;
// node-local messages (answers, connections) are unsafe types by design.
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "actors/eio_protocol.hpp"
#include "actors/fanout_protocol.hpp"
#include "actors/home_protocol.hpp"
#include "actors/key_protocol.hpp"
#include "actors/session_protocol.hpp"

namespace herald {

// Everything a namespace actor accepts from other actors, the API and the
// node: what the directory's handles are.
struct namespace_interface : joined<node_local_interface, user_interface, room_interface, fanout_interface,
                                    parent_interface, operator_interface> {};
using ns_handle = handle<namespace_interface>;

// The directory holds only namespace actors: its answers are typed here.
inline ns_handle as_namespace(caf::actor a) { return ns_handle::assume(std::move(a)); }
inline std::vector<ns_handle> as_namespaces(std::vector<caf::actor> as) {
  std::vector<ns_handle> out;
  out.reserve(as.size());
  for (auto& a : as) out.push_back(as_namespace(std::move(a)));
  return out;
}

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::connection_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::frame_ptr)
// Parsed on an Asio thread and handed to the session actor on the same node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::wire::client_frame)

CAF_BEGIN_TYPE_ID_BLOCK(herald, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(herald, (herald::message))
  CAF_ADD_TYPE_ID(herald, (herald::session_info))
  CAF_ADD_TYPE_ID(herald, (herald::session_ref))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::session_ref>))
  CAF_ADD_TYPE_ID(herald, (herald::window_totals))
  CAF_ADD_TYPE_ID(herald, (herald::ns_stats))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::session_info>))
  CAF_ADD_TYPE_ID(herald, (std::vector<std::string>))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::message>))
  CAF_ADD_TYPE_ID(herald, (herald::handoff_state))
  CAF_ADD_TYPE_ID(herald, (herald::receipt_counts))
  // key-routed
  CAF_ADD_TYPE_ID(herald, (herald::u_attach))
  CAF_ADD_TYPE_ID(herald, (herald::u_push))
  CAF_ADD_TYPE_ID(herald, (herald::u_info))
  CAF_ADD_TYPE_ID(herald, (herald::u_kick))
  CAF_ADD_TYPE_ID(herald, (herald::u_ack))
  CAF_ADD_TYPE_ID(herald, (herald::u_merge))
  CAF_ADD_TYPE_ID(herald, (herald::r_join))
  CAF_ADD_TYPE_ID(herald, (herald::r_leave))
  CAF_ADD_TYPE_ID(herald, (herald::r_publish))
  CAF_ADD_TYPE_ID(herald, (herald::r_info))
  CAF_ADD_TYPE_ID(herald, (herald::r_history))
  CAF_ADD_TYPE_ID(herald, (herald::r_merge))
  // fan-out
  CAF_ADD_TYPE_ID(herald, (herald::deliver))
  CAF_ADD_TYPE_ID(herald, (herald::replay))
  CAF_ADD_TYPE_ID(herald, (herald::room_deliver))
  CAF_ADD_TYPE_ID(herald, (herald::all_deliver))
  CAF_ADD_TYPE_ID(herald, (herald::clients_deliver))
  // sessions and operators, across nodes
  CAF_ADD_TYPE_ID(herald, (herald::session_kick))
  CAF_ADD_TYPE_ID(herald, (herald::stats_request))
  CAF_ADD_TYPE_ID(herald, (herald::receipt_request))
  // timers of the API gateway and of actors that arm one
  CAF_ADD_ATOM(herald, herald, tick_atom, "tick")
  // added later: at the end, so the IDs above stay as they were
  CAF_ADD_TYPE_ID(herald, (herald::room_presence))
  CAF_ADD_TYPE_ID(herald, (herald::device_info))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::device_info>))
  CAF_ADD_TYPE_ID(herald, (herald::u_device_seen))
  CAF_ADD_TYPE_ID(herald, (herald::u_devices))
  CAF_ADD_TYPE_ID(herald, (herald::u_forget_device))
  CAF_ADD_TYPE_ID(herald, (herald::prune_request))
  CAF_ADD_TYPE_ID(herald, (herald::webhook_status))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::webhook_status>))
  CAF_ADD_TYPE_ID(herald, (herald::webhooks_request))
  CAF_ADD_TYPE_ID(herald, (herald::eio_poll_call))
  CAF_ADD_TYPE_ID(herald, (herald::eio_poll_answer))
  CAF_ADD_TYPE_ID(herald, (herald::eio_ws_open))
  CAF_ADD_TYPE_ID(herald, (herald::eio_ws_in))
  CAF_ADD_TYPE_ID(herald, (herald::eio_ws_closed))
  CAF_ADD_TYPE_ID(herald, (herald::eio_ws_out))
  CAF_ADD_TYPE_ID(herald, (herald::eio_ws_close))
  CAF_ADD_TYPE_ID(herald, (herald::node_stats))
  CAF_ADD_TYPE_ID(herald, (std::vector<herald::node_stats>))
  CAF_ADD_TYPE_ID(herald, (herald::node_stats_request))
CAF_END_TYPE_ID_BLOCK(herald)
