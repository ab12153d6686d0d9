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

// `fields`: the event's members after "user", as JSON text without braces.
void emit_hook(const node_context& ctx, const std::string& ns, hook_kind kind, const std::string& user,
               std::string fields);

// The session members of connect/disconnect/join/leave events.
struct session_info;
std::string session_fields(const session_info& s, const std::string& node);

}  // namespace herald
