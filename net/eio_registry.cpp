#include "net/eio_registry.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "net/eio_relay.hpp"
#include "net/server_state.hpp"
#include "net/ws_session.hpp"

#include <caf/send.hpp>

namespace herald {

namespace net = boost::asio;

namespace {
api_response failure(int status, eio::failure f, std::string_view message) {
  return api_response{status, eio::failure_body(f, message)};
}

const std::string* get(const std::map<std::string, std::string>& q, const char* k) {
  auto i = q.find(k);
  return i == q.end() ? nullptr : &i->second;
}

constexpr char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 120 random bits, then the node's name: any member can tell where the
// session lives (net/eio_relay.hpp). URL-safe.
std::string random_sid(const std::string& node) {
  unsigned char raw[20];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string s;
  for (auto b : raw) s += abc[b & 63];
  s += '.';
  // base64url of the name, unpadded
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : node) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) s += abc[(acc >> (bits -= 6)) & 63];
  }
  if (bits > 0) s += abc[(acc << (6 - bits)) & 63];
  return s;
}

std::optional<std::string> node_of(const std::string& sid) {
  auto dot = sid.find('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = dot + 1; i < sid.size(); ++i) {
    auto p = std::string_view(abc).find(sid[i]);
    if (p == std::string_view::npos || p >= 64) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(p);
    bits += 6;
    if (bits >= 8) out += static_cast<char>((acc >> (bits -= 8)) & 0xff);
  }
  return out;
}

uint64_t random_link() {
  uint64_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) throw std::runtime_error("RAND_bytes failed");
  return v;
}
}  // namespace

eio_registry::eio_registry(server_state& srv, net::io_context& ioc, eio_settings s)
    : srv_(srv), ioc_(ioc), set_(std::move(s)), pings_(static_cast<int>(set_.ping_interval_ms / 1000)), sweep_(ioc) {
  bare_path_ = set_.path;
  while (bare_path_.size() > 1 && bare_path_.back() == '/') bare_path_.pop_back();
  sweep();
}

eio_registry::~eio_registry() = default;

bool eio_registry::serves(std::string_view path) const {
  return path == bare_path_ || (path.size() == bare_path_.size() + 1 && path.back() == '/' &&
                                path.substr(0, bare_path_.size()) == bare_path_);
}

int64_t eio_registry::max_payload() const { return static_cast<int64_t>(srv_.lim.max_frame); }

std::shared_ptr<eio_session> eio_registry::find(const std::string& sid) const {
  std::lock_guard lock(mtx_);
  auto i = sessions_.find(sid);
  return i == sessions_.end() ? nullptr : i->second;
}

std::shared_ptr<eio_session> eio_registry::open(eio_handshake hs, bool ws_only) {
  // No strand: the session's state is under its own mutex, and a strand
  // would cost every idle session its implementation.
  auto ex = net::any_io_executor(ioc_.get_executor());
  auto s = std::make_shared<eio_session>(srv_, *this, random_sid(srv_.n.context()->node_name), std::move(hs), ex, ws_only);
  std::lock_guard lock(mtx_);
  sessions_.emplace(s->sid(), s);
  pings_.add(s);
  return s;
}

void eio_registry::remove(const std::string& sid) {
  std::lock_guard lock(mtx_);
  sessions_.erase(sid);
}

size_t eio_registry::size() const {
  std::lock_guard lock(mtx_);
  return sessions_.size();
}

void eio_registry::http(const std::string& method, const std::map<std::string, std::string>& query, std::string body,
                        eio_handshake hs, reply_fn done) {
  auto eio = get(query, "EIO");
  if (!eio || *eio != "4")
    return done(failure(400, eio::failure::unsupported_version, "Unsupported protocol version: herald speaks EIO=4"));
  auto transport = get(query, "transport");
  if (!transport || *transport != "polling")
    return done(failure(400, eio::failure::unknown_transport, "Transport unknown"));
  auto sid = get(query, "sid");
  if (!sid) {
    if (method != "GET") return done(failure(400, eio::failure::bad_handshake_method, "Bad handshake method"));
    if (srv_.stopping) return done(failure(503, eio::failure::forbidden, "server is shutting down"));
    if (size() >= srv_.lim.max_connections)
      return done(failure(503, eio::failure::forbidden, "node is at its connection limit"));
    auto s = open(std::move(hs), false);
    return done(api_response{200,
                             eio::open_packet(s->sid(), true, set_.ping_interval_ms, set_.ping_timeout_ms, max_payload()),
                             "text/plain; charset=UTF-8"});
  }
  if (!find(*sid)) {
    if (auto holder = holder_of(*sid)) {
      // Another member's session: asked there, no sticky session needed.
      auto timeout = set_.ping_interval_ms + set_.ping_timeout_ms + 5000;
      caf::anon_send(relay_, eio_poll_relay{holder, eio_poll_call{*sid, method, std::move(body)}, std::move(done), timeout});
      return;
    }
  }
  http_here(method, *sid, std::move(body), std::move(done));
}

void eio_registry::http_here(const std::string& method, const std::string& sid, std::string body, reply_fn done) {
  auto s = find(sid);
  if (!s) return done(failure(400, eio::failure::unknown_sid, "Session ID unknown"));
  if (method == "GET") return s->poll(std::move(done));
  if (method == "POST") return s->post(std::move(body), std::move(done));
  done(failure(400, eio::failure::bad_request, "polling takes GET and POST"));
}

void eio_registry::set_relay(caf::actor relay) {
  std::lock_guard lock(mtx_);
  relay_ = std::move(relay);
}

caf::actor eio_registry::holder_of(const std::string& sid) const {
  caf::actor relay;
  {
    std::lock_guard lock(mtx_);
    relay = relay_;
  }
  if (!relay) return {};
  auto node = node_of(sid);
  auto& dir = srv_.n.context()->dir;
  if (!node || !dir || *node == dir->node_name()) return {};
  for (auto& m : dir->members())
    if (m.name == *node) return m.relay;
  return {};
}

void eio_registry::bridge(uint64_t link, const std::shared_ptr<ws_session>& ws) {
  std::lock_guard lock(mtx_);
  bridges_[link] = ws;
}

void eio_registry::unbridge(uint64_t link) {
  std::lock_guard lock(mtx_);
  bridges_.erase(link);
}

std::shared_ptr<ws_session> eio_registry::bridged(uint64_t link) const {
  std::lock_guard lock(mtx_);
  auto i = bridges_.find(link);
  return i == bridges_.end() ? nullptr : i->second.lock();
}

eio_registry::ws_plan eio_registry::plan_websocket(const std::map<std::string, std::string>& query, eio_handshake hs) {
  ws_plan plan;
  auto eio = get(query, "EIO");
  if (!eio || *eio != "4") {
    plan.refusal = failure(400, eio::failure::unsupported_version, "Unsupported protocol version: herald speaks EIO=4");
    return plan;
  }
  auto transport = get(query, "transport");
  if (!transport || *transport != "websocket") {
    plan.refusal = failure(400, eio::failure::unknown_transport, "Transport unknown");
    return plan;
  }
  if (auto sid = get(query, "sid")) {
    plan.id = *sid;
    plan.session = find(*sid);
    if (plan.session) return plan;
    if (auto holder = holder_of(*sid)) {
      // Another member's session: this node keeps the WebSocket and
      // bridges it there.
      caf::actor relay;
      {
        std::lock_guard lock(mtx_);
        relay = relay_;
      }
      plan.session = std::make_shared<eio_bridge>(*this, relay, holder, *sid, random_link());
      return plan;
    }
    plan.refusal = failure(400, eio::failure::unknown_sid, "Session ID unknown");
    return plan;
  }
  if (srv_.stopping) {
    plan.refusal = failure(503, eio::failure::forbidden, "server is shutting down");
    return plan;
  }
  if (size() >= srv_.lim.max_connections) {
    plan.refusal = failure(503, eio::failure::forbidden, "node is at its connection limit");
    return plan;
  }
  auto s = open(std::move(hs), true);
  plan.id = s->sid();
  plan.session = s;
  plan.first = eio::open_packet(s->sid(), false, set_.ping_interval_ms, set_.ping_timeout_ms, max_payload());
  return plan;
}

// Each session pings every ping interval, a bucket of them each second
// (the interval is whole seconds).
void eio_registry::sweep() {
  if (stopped_) return;
  sweep_.expires_after(std::chrono::seconds(1));
  sweep_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    std::vector<std::shared_ptr<eio_session>> due;
    {
      std::lock_guard lock(mtx_);
      due = pings_.tick();
    }
    for (auto& s : due) s->heartbeat();
    sweep();
  });
}

void eio_registry::end_all(uint16_t code, const char* why) {
  std::vector<std::shared_ptr<eio_session>> all;
  {
    std::lock_guard lock(mtx_);
    for (auto& kv : sessions_) all.push_back(kv.second);
  }
  for (auto& s : all) s->end(code, why);
}

void eio_registry::stop() {
  stopped_ = true;
  sweep_.cancel();
}

}  // namespace herald
