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

void emit_hook(const node_context& ctx, const std::string& ns, hook_kind kind, const std::string& user,
               std::string fields) {
  if (!ctx.hooks) return;
  auto settings = ctx.catalog->get(ns);
  if (!settings || !settings->wants(kind)) return;
  if (auto a = ctx.hooks->find(ns)) caf::anon_send(a, hook_emit{kind, user, std::move(fields), now_ms()});
}

std::string session_fields(const session_info& s, const std::string& node) {
  return R"("session":)" + wire::quote(s.session) + R"(,"client":)" +
         (s.client.empty() ? std::string("null") : wire::quote(s.client)) + R"(,"node":)" + wire::quote(node);
}

}  // namespace herald
