#pragma once
// The connect callback (a namespace's auth_url, as light-push's connect
// check and Centrifugo's connect proxy): before a WebSocket upgrade,
// herald POSTs {"ns","token","query","headers","remote"} to the business
// system, signed like every callback (X-Herald-Signature with the
// namespace secret). A 200 {"allow":true,"user":…,"rooms"?,"meta"?}
// admits the client as that user, joined to those rooms; {"allow":false,
// "status","code","message"} or a 4xx refuses it with that status and
// code; no answer in auth_timeout s, a 5xx or an unreachable receiver is
// a failure, which refuses (503) unless the namespace's auth_fallback is
// `token` (then a valid herald JWT still admits). Allows are kept
// auth_cache s per token.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/metrics.hpp"
#include "actors/namespace_catalog.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

struct connect_request {
  std::string token;  // may be empty (a cookie may carry the identity)
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string remote;
};

// The callback's decision.
struct connect_verdict {
  enum outcome { allow, deny, failed } result = failed;
  std::string user;                // allow
  std::vector<std::string> rooms;  // allow: joined at once
  std::string meta;                // allow: a JSON object's text, or empty
  unsigned status = 503;           // deny / failed: the answer to the client
  std::string code = "unavailable";
  std::string message;
};

// Reads an answer (pure, for tests): bad answers are failures.
connect_verdict read_connect_answer(unsigned http_status, const std::string& body, size_t max_rooms);

class auth_client : public std::enable_shared_from_this<auth_client> {
 public:
  auth_client(boost::asio::io_context& io, std::vector<std::string> hook_hosts, std::shared_ptr<metrics> stats,
              size_t max_rooms, size_t max_in_flight = 1024);
  // `done` runs once, on a loop thread or before check returns.
  void check(const namespace_settings& ns, const connect_request& r, std::function<void(connect_verdict)> done);

 private:
  struct cached {
    connect_verdict v;
    int64_t until_ms;
  };
  bool from_cache(const std::string& key, int64_t now, connect_verdict& out);
  void keep(const std::string& key, const connect_verdict& v, int64_t until, int64_t now);

  boost::asio::io_context& io_;
  std::vector<std::string> hook_hosts_;
  std::shared_ptr<metrics> stats_;
  size_t max_rooms_, max_in_flight_;
  std::shared_ptr<std::atomic<size_t>> in_flight_ = std::make_shared<std::atomic<size_t>>(0);
  std::mutex mtx_;
  std::unordered_map<std::string, cached> cache_;  // by ns \0 token; bounded
};

}  // namespace herald
