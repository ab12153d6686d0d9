#include "actors/webhooks.hpp"

#include <mutex>

#include <caf/send.hpp>

#include "actors/context.hpp"
#include "actors/ids.hpp"
#include "actors/webhook_protocol.hpp"
#include "actors/wire.hpp"

namespace herald {

void webhook_directory::add(const std::string& ns, caf::actor a) {
  std::unique_lock lock(mtx_);
  map_[ns] = std::move(a);
}

void webhook_directory::remove(const std::string& ns, const caf::actor_addr& a) {
  std::unique_lock lock(mtx_);
  if (auto i = map_.find(ns); i != map_.end() && i->second.address() == a) map_.erase(i);
}

caf::actor webhook_directory::find(const std::string& ns) const {
  std::shared_lock lock(mtx_);
  auto i = map_.find(ns);
  return i == map_.end() ? caf::actor{} : i->second;
}

caf::actor hook_sink(const node_context& ctx, const std::string& ns, hook_kind kind) {
  if (!ctx.hooks) return {};
  auto settings = ctx.catalog->get(ns);
  if (!settings || !settings->wants(kind)) return {};
  return ctx.hooks->find(ns);
}

void send_hook(const caf::actor& sink, hook_kind kind, const std::string& user, std::string fields) {
  caf::anon_send(sink, hook_emit{kind, user, std::move(fields), now_ms()});
}

std::string session_fields(const session_info& s, const std::string& node) {
  return R"("session":)" + wire::quote(s.session) + R"(,"client":)" +
         (s.client.empty() ? std::string("null") : wire::quote(s.client)) + R"(,"node":)" + wire::quote(node);
}

std::string room_fields(const std::string& room, const session_info& s, const std::string& node, const char* reason) {
  auto out = R"("room":)" + wire::quote(room) + "," + session_fields(s, node);
  if (reason) out += R"(,"reason":)" + wire::quote(reason);
  return out;
}

}  // namespace herald
