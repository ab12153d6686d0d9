#pragma once
// room_policy = callback: asks the namespace's subscribe_url whether a
// session may join a room. POST {"ns","user","client","room"}, signed with
// X-Herald-Signature (HMAC-SHA256 of the body with the namespace secret);
// a 200 answer {"allow":true} allows, anything else refuses (the failure
// policy is deny: a receiver that is down, slow or wrong lets no one in).
// Allows are kept subscribe_cache seconds per (user, device, room).
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/errors.hpp"
#include "actors/metrics.hpp"
#include "actors/namespace_catalog.hpp"
#include "actors/room_access.hpp"
#include "actors/types.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

class subscribe_client : public std::enable_shared_from_this<subscribe_client> {
 public:
  // At most `max_in_flight` calls at once: beyond, a join is refused at
  // once (unavailable) instead of queueing without bound.
  subscribe_client(boost::asio::io_context& io, std::vector<std::string> hook_hosts, std::shared_ptr<metrics> stats,
                   size_t max_in_flight = 1024);
  // node_context::check_subscribe. Owned by a shared_ptr: calls in
  // flight keep it.
  void check(const namespace_settings& ns, const session_info& who, const std::string& room,
             std::function<void(status)> done);
  allow_cache& cache() { return cache_; }

 private:
  boost::asio::io_context& io_;
  std::vector<std::string> hook_hosts_;
  std::shared_ptr<metrics> stats_;
  size_t max_in_flight_;
  std::shared_ptr<std::atomic<size_t>> in_flight_ = std::make_shared<std::atomic<size_t>>(0);
  allow_cache cache_;
};

// The verdict in a callback's answer: ok for 200 {"allow":true}, forbidden
// for a refusal, unavailable when the answer is not one (pure, for tests).
status subscribe_verdict(unsigned http_status, const std::string& body);

}  // namespace herald
