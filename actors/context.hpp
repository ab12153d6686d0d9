#pragma once
// What every actor of a node shares: read-only after start, except the
// thread-safe catalog, directory, metrics and id source it points to.
#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/directory.hpp"
#include "actors/ids.hpp"
#include "actors/limits.hpp"
#include "actors/metrics.hpp"
#include "actors/namespace_catalog.hpp"

namespace herald::storage {
class store;
}

namespace herald {

struct node_context {
  std::string node_name;
  limits lim;
  std::shared_ptr<directory> dir;
  std::shared_ptr<namespace_catalog> catalog;
  std::shared_ptr<metrics> stats;
  std::shared_ptr<id_source> ids;
  storage::store* store = nullptr;  // owned by the process; outlives the actors
  caf::actor membership;            // cluster/membership_actor; invalid for a lone node
  // How long an idle user/room actor lingers before it is passivated.
  std::chrono::milliseconds passivate_after{10000};
  // Bound on every request between actors.
  std::chrono::milliseconds ask_timeout{10000};
};

using context_ptr = std::shared_ptr<const node_context>;

}  // namespace herald
