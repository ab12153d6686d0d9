#pragma once
// Socket.IO events <-> herald's native frames: the same session actor
// serves both protocols, so a Socket.IO socket turns each EVENT into the
// native client frame it means and each native server frame into the
// Socket.IO packet that carries it. Pure; Catch2 tests it.
//
// Client events: join, leave, publish, ack, refresh (an object argument, as
// the native frame without "type"); with the lightpush vocabulary also
// joinRoom / leaveRoom (an array of rooms, or one room) and ackPush
// ({"id"}). The ack id becomes the native request id, so the native reply
// is the acknowledgement's argument.
//
// Server frames: welcome -> the CONNECT answer; a reply with an id -> ACK
// of that id; pong -> nothing; any other {"type":T,…} -> EVENT T with the
// frame as its argument (message as `message`, or `push` for lightpush).
#include <optional>
#include <string>
#include <string_view>

#include "actors/wire.hpp"
#include "net/eio_codec.hpp"

namespace herald::sio {

// The native frame an EVENT means (or why it means none, with the request
// id its reply carries).
wire::parsed native_frame(const packet& p, const event_call& call, bool lightpush, size_t max_list);

// The whole Engine.IO message carrying the native server frame `frame` to
// the socket of namespace `nsp`; nullopt for a frame that has none (pong).
// `session`: the sid of the CONNECT answer.
std::optional<std::string> packet_for(std::string_view nsp, std::string_view frame, bool lightpush,
                                      std::string_view session);

// The native frame's "type", or empty.
std::string_view frame_type(std::string_view frame);

}  // namespace herald::sio
