#pragma once
// The HTTP API: routes, auth, validation, JSON. Works on plain structs so it
// stays free of Beast; http_session does the bytes. Answers arrive through
// `reply`, possibly on a CAF thread.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "actors/node.hpp"

namespace herald {

class admission;
class answer_deadlines;

struct api_request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, still encoded
  std::string authorization;
  std::string body;
  std::string remote = {};  // the peer's address, for per-source limits
};

struct api_response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string headers = {};  // extra header lines, "Name: value\r\n" each
};

using reply_fn = std::function<void(api_response)>;

class api {
 public:
  api(node& n, std::string admin_token);
  ~api();
  api(const api&) = delete;
  admission& admit() { return *admit_; }
  api& operator=(const api&) = delete;
  void handle(api_request req, reply_fn reply);
  // Answers calls that are past their deadline (the server's timer calls
  // this every second).
  void expire_answers();
  size_t answers_in_flight() const;
  // GET /readyz: 200 while the node accepts new clients, 503 once it
  // drains or stops.
  void set_ready(bool r) { ready_ = r; }
  // [node] demo_ns: POST /demo/token mints tokens of that namespace for any
  // user (a development convenience); empty: /demo answers 404.
  void set_demo_ns(std::string ns) { demo_ns_ = std::move(ns); }
  const std::string& demo_ns() const { return demo_ns_; }

 private:
  struct call;
  void route(call& c);
  void push(call& c);
  void push_batch(call& c);
  // `n` pushes of the call's namespace may go (limits.ns_push_rate); else
  // the call is answered 429 with Retry-After.
  bool admit_pushes(call& c, size_t n);
  void user_info(call& c, const std::string& user);
  void user_disconnect(call& c, const std::string& user);
  void user_devices(call& c, const std::string& user);
  void forget_device(call& c, const std::string& user, const std::string& device);
  void prune_devices(call& c);
  void room_info(call& c, const std::string& room);
  void room_history(call& c, const std::string& room);
  void receipt(call& c, const std::string& id);
  void stats(call& c);
  void webhooks(call& c);
  void cluster(call& c);
  void demo_token(call& c);
  void admin(call& c, const std::vector<std::string>& seg);
  // The admin token checks out; else the call is answered (401, or 429
  // once its source has failed limits.admin_failures times this minute).
  bool admin_ok(call& c);
  template <class T, class Msg, class Ok>
  void ask(call& c, Msg m, Ok ok);

  node& node_;
  std::string admin_token_;
  std::unique_ptr<answer_deadlines> answers_;  // every call in flight
  std::unique_ptr<admission> admit_;
  std::atomic<bool> ready_{true};
  std::string demo_ns_;
};

// Body of an API error.
std::string error_body(const error& e);

}  // namespace herald
