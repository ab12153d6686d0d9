#include "actors/node.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "actors/namespace_actor.hpp"
#include "actors/session_actor.hpp"
#include "storage/store.hpp"

namespace herald {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::herald>();
}

node::node(caf::actor_system& sys, std::shared_ptr<node_context> ctx,
           std::shared_ptr<local_directory> dir)
  : sys_(sys), ctx_(std::move(ctx)), dir_(std::move(dir)) {}

void node::spawn_namespace(const std::string& name) {
  dir_->add(name, sys_.spawn(namespace_actor, name, ctx_));
}

void node::start() {
  std::lock_guard lock(mtx_);
  for (auto& s : ctx_->catalog->list()) spawn_namespace(s->name);
}

status node::create_namespace(namespace_settings s) {
  {
    std::lock_guard lock(mtx_);
    auto name = s.name;
    if (auto st = ctx_->catalog->create(std::move(s)); !st) return st;
    spawn_namespace(name);
  }
  // Called on a storage thread: CAF's spawn left a reference to its logger
  // in this thread's locals, and the actor system's destructor waits for
  // the logger to go (it hung shutdown until the 5 s watchdog).
  caf::logger::set_current_actor_system(nullptr);
  if (ctx_->announce_namespaces) ctx_->announce_namespaces();
  return ok();
}

void node::create_namespace(namespace_settings s, std::function<void(status)> done) {
  ctx_->store->read([this, s = std::move(s), done = std::move(done)]() mutable { done(create_namespace(std::move(s))); });
}

void node::rotate_secret(const std::string& ns, std::function<void(result<settings_ptr>)> done) {
  ctx_->store->read([this, ns, done = std::move(done)] {
    auto r = ctx_->catalog->rotate_secret(ns, now_ms());
    if (r && ctx_->announce_namespaces) ctx_->announce_namespaces();
    done(std::move(r));
  });
}

void node::update_namespace(const std::string& ns, std::function<status(namespace_settings&)> change,
                            std::function<void(result<settings_ptr>)> done) {
  ctx_->store->read([this, ns, change = std::move(change), done = std::move(done)] {
    auto r = ctx_->catalog->update(ns, change, now_ms());
    if (r && ctx_->announce_namespaces) ctx_->announce_namespaces();
    done(std::move(r));
  });
}

void node::delete_namespace(const std::string& name, std::function<void(status)> done) {
  ctx_->store->read([this, name, done = std::move(done)] { done(delete_namespace(name)); });
}

bool node::adopt_namespace(namespace_settings s) {
  std::lock_guard lock(mtx_);
  if (auto have = ctx_->catalog->get(s.name)) {
    // A member changed it (a secret rotation): the newer copy wins; its
    // namespace actor stays.
    if (s.changed_ms <= have->changed_ms) return false;
    return static_cast<bool>(ctx_->catalog->put(std::move(s)));
  }
  auto name = s.name;
  if (!ctx_->catalog->put(std::move(s))) return false;
  spawn_namespace(name);
  return true;
}

status node::delete_namespace(const std::string& name) {
  if (auto st = delete_local(name); !st) return st;
  if (ctx_->spread_delete) ctx_->spread_delete(name);
  return ok();
}

void node::drop_namespace(const std::string& name) { delete_local(name); }

status node::delete_local(const std::string& name) {
  std::lock_guard lock(mtx_);
  if (auto st = ctx_->catalog->remove(name); !st) return st;
  if (auto a = dir_->local(name)) {
    tell(as_namespace(a), ns_retire{});  // it answers errors for a while, then ends
    retired_.erase(std::remove_if(retired_.begin(), retired_.end(),
                                  [](const caf::actor_addr& r) { return !caf::actor_cast<caf::actor>(r); }),
                   retired_.end());
    retired_.push_back(a.address());
  }
  dir_->remove(name);
  return ok();
}

handle<session_interface> node::spawn_session(const std::string& ns, session_info info, connection_ptr conn,
                                                token_grant grant, storage::device_record device) {
  auto local = dir_->local(ns);
  if (!local) return {};
  return handle<session_interface>::assume(  // a session actor, just spawned
    spawn_session_actor(sys_, ns, std::move(info), std::move(conn), local, ctx_, std::move(grant), std::move(device)));
}

void node::close_all(uint16_t code, const std::string& reason) {
  for (auto& a : dir_->all_local()) tell(as_namespace(a), close_sessions{code, reason});
}

void node::close_share(uint16_t code, const std::string& reason, uint32_t steps_left) {
  for (auto& a : dir_->all_local()) tell(as_namespace(a), close_sessions{code, reason, steps_left});
}

uint64_t node::handoffs_pending(std::chrono::milliseconds wait) {
  caf::scoped_actor self{sys_};
  uint64_t pending = 0;
  for (auto& a : dir_->all_local())
    ask(self.ptr(), as_namespace(a), wait, drain_progress{})
      .receive([&](uint64_t n) { pending += n; }, [&](caf::error&) { ++pending; });
  return pending;
}

void node::stop(std::chrono::milliseconds wait) {
  // Waits for the namespace actors to end: their exit closes every
  // connection they hold, which must happen while the sockets' executor
  // still exists.
  caf::scoped_actor self{sys_};
  auto all = dir_->all_local();
  {
    std::lock_guard lock(mtx_);
    for (auto& r : retired_)
      if (auto a = caf::actor_cast<caf::actor>(r)) all.push_back(std::move(a));
    retired_.clear();
  }
  for (auto& a : all) {
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  size_t left = all.size();
  bool late = false;
  while (left > 0 && !late)
    self->receive([&](caf::down_msg&) { --left; }, caf::after(wait) >> [&] { late = true; });
  if (late) spdlog::warn("{} namespace actors still running at shutdown", left);
}

}  // namespace herald
