#pragma once
// The frame codec: client JSON text -> client_frame, and server frames ->
// JSON text. Pure functions; both net/ (parsing) and actors/ (encoding a
// message once per node) use it.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "actors/errors.hpp"
#include "actors/json_scan.hpp"
#include "actors/message.hpp"

namespace herald::wire {

enum class kind { join, leave, publish, ack, ping, refresh };

struct client_frame {
  kind type = kind::ping;
  std::string req_id;                       // JSON text of "id", empty if absent
  std::vector<std::string> rooms;           // join, leave, publish.to.rooms
  std::vector<std::string> users;           // publish.to.users
  std::vector<std::string> ids;             // ack
  std::map<std::string, std::string> since; // join
  std::string data;                         // publish: JSON text; refresh: the token
  bool granted = false;                     // join: the connect callback's rooms (no room policy check)
  int64_t ttl = -1;                         // publish: seconds a user message stays deliverable; -1: the namespace's
};

struct parse_error {
  error err;
  std::string req_id;  // when the frame was JSON with an "id", so the reply can carry it
};

struct parsed {
  std::optional<client_frame> frame;
  std::optional<parse_error> failure;
};

// max_list bounds every array in a frame (rooms, users, ids).
parsed parse_client_frame(std::string_view text, size_t max_list);

// The join of the connect callback's rooms, which a session makes before
// any frame of its client (native or Socket.IO), without the room policy's
// check: the callback allowed them.
client_frame granted_join(std::vector<std::string> rooms);

std::string welcome(std::string_view session, std::string_view user, std::string_view node,
                    int heartbeat);
std::string pong();
// {"type":"presence","room","event","user","session"} (room_events)
std::string presence(std::string_view room, std::string_view event, std::string_view user, std::string_view session);
// `extra` is a JSON object text whose members are appended (may be empty).
std::string reply_ok(std::string_view req_id, std::string_view extra_members = {});
std::string reply_error(std::string_view req_id, const error& e);
std::string error_frame(const error& e);
// A frame's failure: the reply to `req_id`, or an error frame when it has none.
std::string failure(std::string_view req_id, const error& e);
std::string message_frame(const message& m);
// Appends the message as the frame's object (as_frame) or as the HTTP API
// lists it (no "type"). `data` is spliced as stored, never re-parsed: no
// stored text, however deep, can make a reader recurse.
void append_message(std::string& out, const message& m, bool as_frame);
frame_ptr encode(const message& m);

// Reads the member `field` as a list of ids (valid_id) of at most max entries into
// out, each once (in order of first appearance). Absent or null is an empty
// list (an error when required). Returns a
// problem naming `label` (e.g. "to.users"), or empty on success.
std::string read_id_list(const std::vector<json_scan::member>& members, const char* field, const std::string& label,
                         size_t max, std::vector<std::string>& out, bool required);

// JSON string literal for s (quotes included).
std::string quote(std::string_view s);

}  // namespace herald::wire
