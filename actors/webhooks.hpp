#pragma once
// Where a namespace's webhook actor on this node is, and the one call that
// emits an event. Thread-safe: session, namespace and user actors emit from
// any thread. Nothing is sent when the namespace has no webhook_url or does
// not want the kind, so a namespace without webhooks pays one catalog read.
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>

#include "actors/namespace_catalog.hpp"

namespace herald {

struct node_context;

class webhook_directory {
 public:
  void add(const std::string& ns, caf::actor a);
  // Only if `a` is still the one registered (a namespace made again may
  // have a new actor by now).
  void remove(const std::string& ns, const caf::actor_addr& a);
  caf::actor find(const std::string& ns) const;

 private:
  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, caf::actor> map_;
};

// The namespace's webhook actor on this node when it wants events of
// `kind`, else an invalid handle.
caf::actor hook_sink(const node_context& ctx, const std::string& ns, hook_kind kind);
// Sends the event to a sink; `fields`: its members after "user", as JSON
// text without braces.
void send_hook(const caf::actor& sink, hook_kind kind, const std::string& user, std::string fields);

// Emits an event if the namespace wants it; `fields()` (returning the
// members' text) runs only then, so a namespace without webhooks builds no
// strings on connects, joins and pushes.
template <class Fields>
void emit_hook(const node_context& ctx, const std::string& ns, hook_kind kind, const std::string& user,
               Fields&& fields) {
  if (auto sink = hook_sink(ctx, ns, kind)) send_hook(sink, kind, user, fields());
}

// The session members of connect/disconnect/join/leave events; the room
// members of join/leave (`reason` empty for a join).
struct session_info;
std::string session_fields(const session_info& s, const std::string& node);
std::string room_fields(const std::string& room, const session_info& s, const std::string& node,
                        const char* reason = nullptr);

}  // namespace herald
