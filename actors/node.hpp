#pragma once
// The actor side of one herald process: spawns a namespace actor per known
// namespace, creates and deletes namespaces, and spawns session actors for
// new connections. Thread-safe; called from Asio threads.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/context.hpp"
#include "actors/local_directory.hpp"
#include "actors/protocol.hpp"

namespace herald {

class node {
 public:
  node(caf::actor_system& sys, std::shared_ptr<node_context> ctx,
       std::shared_ptr<local_directory> dir);

  // Spawns the namespace actors of every namespace in the catalog.
  void start();
  // Creates (admin API) and tells the cluster.
  status create_namespace(namespace_settings s);
  // Closes the namespace's sessions (code 4000), forgets it, tells the cluster.
  status delete_namespace(const std::string& name);
  // Both, off the caller's thread (the catalog syncs each change to the
  // store): `done` gets the outcome on the store's reader thread.
  void create_namespace(namespace_settings s, std::function<void(status)> done);
  void delete_namespace(const std::string& name, std::function<void(status)> done);
  // From the cluster: create when missing (true if it was), or delete here only.
  bool adopt_namespace(namespace_settings s);
  // A new secret for `ns` (the old one kept for its grace), told to the
  // cluster; `done` runs on a storage thread.
  void rotate_secret(const std::string& ns, std::function<void(result<settings_ptr>)> done);
  // Changes a namespace's settings (off the caller's thread: it syncs to
  // RocksDB) and tells the cluster.
  void update_namespace(const std::string& ns, std::function<status(namespace_settings&)> change,
                        std::function<void(result<settings_ptr>)> done);
  void drop_namespace(const std::string& name);
  // The session actor for a new connection, or an invalid handle when the
  // namespace is gone.
  handle<session_interface> spawn_session(const std::string& ns, session_info info, connection_ptr conn,
                                          token_grant grant = {}, storage::device_record device = {});
  // Closes every session with `code` (shutdown: 1001).
  void close_all(uint16_t code, const std::string& reason);
  // One step of a drain: every namespace actor closes 1/steps_left of the
  // sessions it still has open.
  void close_share(uint16_t code, const std::string& reason, uint32_t steps_left);
  // Keys this node still has to hand to their new owners, summed over its
  // namespaces; a namespace actor that does not answer within `wait`
  // counts as one.
  uint64_t handoffs_pending(std::chrono::milliseconds wait);
  // Ends every namespace actor (and with them user and room actors).
  void stop(std::chrono::milliseconds wait = std::chrono::seconds(5));

  caf::actor_system& system() { return sys_; }
  const context_ptr& context() const { return ctx_; }
  directory& dir() { return *dir_; }

 private:
  void spawn_namespace(const std::string& name);
  status delete_local(const std::string& name);
  caf::actor_system& sys_;
  context_ptr ctx_;
  std::shared_ptr<local_directory> dir_;
  std::mutex mtx_;
  // Namespace actors of deleted namespaces that may still run, for stop().
  // Weak: a strong handle would keep each ended actor's object alive.
  std::vector<caf::actor_addr> retired_;
};

// Adds herald's message types to a CAF config.
void add_message_types(caf::actor_system_config& cfg);

}  // namespace herald
