#pragma once
// What every actor of a node shares: read-only after start, except the
// thread-safe catalog, directory, metrics and id source it points to.
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/directory.hpp"
#include "actors/errors.hpp"
#include "actors/ids.hpp"
#include "actors/limits.hpp"
#include "actors/metrics.hpp"
#include "actors/namespace_catalog.hpp"
#include "actors/room_access.hpp"
#include "actors/types.hpp"

namespace herald::storage {
class store;
}

namespace herald {

class webhook_directory;

struct node_context {
  std::string node_name;
  limits lim;
  std::shared_ptr<directory> dir;
  std::shared_ptr<namespace_catalog> catalog;
  std::shared_ptr<metrics> stats;
  std::shared_ptr<id_source> ids;
  storage::store* store = nullptr;  // owned by the process; outlives the actors
  // What the node tells the cluster (cluster/ sets them; empty for a lone
  // node): this node's namespaces changed; a namespace was deleted here.
  std::function<void()> announce_namespaces;
  std::function<void(const std::string&)> spread_delete;
  // Checks a token against a namespace secret (net/token.cpp; actors do
  // not link the JWT library): its user and expiry (ms since the epoch,
  // 0 for none), or why it is refused.
  struct token_claims {
    std::string user;
    int64_t expires_ms = 0;
    room_grants grants;  // claims rooms / publish
  };
  std::function<result<token_claims>(const std::string& token, const std::vector<std::string>& secrets)> verify_token;
  // [node] hook_hosts: the hosts a namespace's callbacks may reach.
  std::vector<std::string> hook_hosts;
  // Asks a namespace's subscribe_url whether `who` may join `room`
  // (net/subscribe_client.cpp, with its cache): ok, errc::forbidden when
  // refused, another error when the check failed. `done` runs once, maybe
  // on this thread before the call returns.
  std::function<void(const namespace_settings& ns, const session_info& who, const std::string& room,
                     std::function<void(status)> done)>
    check_subscribe;
  // Each namespace's webhook actor on this node (actors/webhooks.hpp);
  // null: no webhooks (deterministic actor tests).
  std::shared_ptr<webhook_directory> hooks;
  // POSTs a batch of webhook events (net/http_client.cpp), signed with
  // `key`: the answer's HTTP status, or why there is none. `done` runs
  // once, on a loop thread. The URL was checked against hook_hosts.
  std::function<void(const std::string& url, std::string body, const std::string& key,
                     std::chrono::milliseconds timeout, std::function<void(result<unsigned>)> done)>
    post_hook;
  // How long an idle user/room actor lingers before it is passivated.
  std::chrono::milliseconds passivate_after{10000};
  // Bound on every request between actors.
  std::chrono::milliseconds ask_timeout{10000};
};

using context_ptr = std::shared_ptr<const node_context>;

// How long an idle user or room actor waits before it passivates:
// passivate_after plus up to a quarter more, at random. Without the spread,
// 10k actors that went idle together (a mass disconnect) all woke in the
// same instant 10 s later and stalled the CAF scheduler for up to 1.5 s.
inline std::chrono::milliseconds passivate_delay(const node_context& ctx) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  auto base = ctx.passivate_after.count();
  return std::chrono::milliseconds(base + static_cast<long long>(rng() % static_cast<unsigned long>(base / 4 + 1)));
}

}  // namespace herald
