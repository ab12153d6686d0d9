#include "net/sio_socket.hpp"

#include <map>
#include <mutex>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include "net/admission.hpp"
#include "net/auth_client.hpp"
#include "net/eio_session.hpp"
#include "net/server_state.hpp"
#include "net/sio_frames.hpp"
#include "net/token.hpp"

namespace herald {

namespace net = boost::asio;

namespace {
// The head of every message event of namespace `nsp`: one per namespace
// and vocabulary, shared by its sockets (~100 B each otherwise).
frame_ptr message_head(const std::string& nsp, bool lightpush) {
  static std::mutex mtx;
  static std::map<std::pair<std::string, bool>, frame_ptr> heads;
  std::lock_guard lock(mtx);
  auto& h = heads[{nsp, lightpush}];
  if (!h) h = std::make_shared<const std::string>("42" + sio::nsp_prefix(nsp) + (lightpush ? "[\"push\"," : "[\"message\","));
  return h;
}
}  // namespace

sio_socket::sio_socket(const std::shared_ptr<eio_session>& eio, std::string nsp, std::string session, bool lightpush,
                       std::atomic<uint32_t>* ns_slot)
    : eio_(eio),
      srv_(eio->server()),
      nsp_(std::move(nsp)),
      session_(std::move(session)),
      lightpush_(lightpush),
      message_head_(message_head(nsp_, lightpush)),
      ns_slot_(ns_slot) {}

sio_socket::~sio_socket() { admission::close_session(ns_slot_); }

bool sio_socket::start(const std::string& ns, session_info info, token_grant grant, std::vector<std::string> rooms,
                       storage::device_record device) {
  auto expires = grant.expires_ms;
  auto actor = srv_.n.spawn_session(ns, std::move(info), shared_from_this(), std::move(grant), std::move(device));
  if (!actor) return false;
  srv_.sessions.fetch_add(1);
  {
    std::lock_guard lock(mtx_);
    actor_ = actor;
  }
  if (!rooms.empty()) tell(actor, wire::granted_join(std::move(rooms)));
  if (expires) expire_at(expires);
  return true;
}

bool sio_socket::send(frame_ptr frame) {
  if (ended_.load(std::memory_order_acquire)) return false;
  auto e = eio_.lock();
  if (!e) return false;
  // A message (a fan-out's shared frame): wrapped, not copied.
  if (sio::frame_type(*frame) == "message") return e->send_wrapped(message_head_, frame);
  auto p = sio::packet_for(nsp_, *frame, lightpush_, session_);
  if (!p) return true;
  return e->send(std::move(*p));
}

void sio_socket::frame(wire::client_frame f) {
  herald::handle<session_interface> a;
  {
    std::lock_guard lock(mtx_);
    a = actor_;
  }
  if (a) tell(a, std::move(f));
}

void sio_socket::close(uint16_t code, std::string reason) {
  auto e = eio_.lock();
  if (!e) return ended(code);
  // Off the caller's thread: it may be the actor's own end.
  net::post(e->executor(), [self = shared_from_this(), code, r = std::move(reason)] { self->on_close(code, r); });
}

void sio_socket::on_close(uint16_t code, const std::string& reason) {
  if (ended_.load(std::memory_order_acquire)) return;
  auto e = eio_.lock();
  if (!e) return ended(code);
  // The client comes back by itself after a shutdown or a full queue: end
  // the transport, not just this namespace.
  if (code == close_code::going_away || code == close_code::try_again) return e->end(code, reason.c_str());
  auto why = nlohmann::json{{"code", code}, {"reason", reason}}.dump(-1, ' ', false,
                                                                     nlohmann::json::error_handler_t::replace);
  e->send(sio::event(nsp_, "close", why));
  e->send(sio::disconnect(nsp_));
  e->forget(nsp_);
  ended(code);
}

void sio_socket::ended(uint16_t code) {
  uint16_t none = 0;
  if (!ended_.compare_exchange_strong(none, code, std::memory_order_acq_rel)) return;
  herald::handle<session_interface> a;
  {
    std::lock_guard lock(mtx_);
    a = std::move(actor_);
    actor_ = {};
    if (expiry_) expiry_->cancel();
  }
  if (!a) return;  // never started
  tell(a, session_closed{});
  srv_.n.context()->stats->closed(code).Increment();
  srv_.sessions.fetch_sub(1);
  admission::close_session(ns_slot_);
  ns_slot_ = nullptr;
}

void sio_socket::expire_at(int64_t ms) {
  auto e = eio_.lock();
  if (!e) return;
  net::post(e->executor(), [self = shared_from_this(), ms] { self->arm_expiry(ms); });
}

void sio_socket::arm_expiry(int64_t ms) {
  std::lock_guard lock(mtx_);
  if (ended_.load() || !actor_) return;
  if (ms == 0) {
    if (expiry_) expiry_->cancel();
    return;
  }
  auto e = eio_.lock();
  if (!e) return;
  if (!expiry_) expiry_ = std::make_unique<net::steady_timer>(e->executor());
  expiry_->expires_after(std::chrono::milliseconds(std::max<int64_t>(0, ms - now_ms())));
  expiry_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_close(close_code::token_expired, "token expired");
  });
}

// -- CONNECT ------------------------------------------------------------------

namespace {

void refuse(const std::shared_ptr<eio_session>& eio, const std::string& nsp, const error& e, const std::string& label) {
  eio->server().n.context()->stats->refused(label).Increment();
  spdlog::info("socket.io connect to {} refused: {} ({})", nsp, e.message, label);
  auto data = R"({"code":")" + std::string(code_name(e.code)) + R"(","status":)" + std::to_string(http_status(e.code)) + "}";
  eio->send(sio::connect_error(nsp, e.message, data));
}

void admit(const std::shared_ptr<eio_session>& eio, const std::string& nsp, token::claims who, std::string client,
           std::vector<std::string> rooms, std::string meta) {
  auto& srv = eio->server();
  auto ns = nsp.substr(1);
  auto settings = srv.n.context()->catalog->get(ns);
  if (!settings) return refuse(eio, nsp, {errc::not_found, "no namespace " + ns}, "unknown_namespace");
  if (srv.stopping) return refuse(eio, nsp, {errc::unavailable, "server is shutting down"}, "stopping");
  bool ns_full = false;
  auto* slot = srv.routes.admit().open_session(ns, ns_full);
  if (ns_full)
    return refuse(eio, nsp, {errc::rate_limited, "namespace " + ns + " is at its connection limit on this node"},
                  "ns_full");
  session_info info;
  info.session = srv.n.context()->ids->next_session();
  info.user = std::move(who.user);
  info.client = std::move(client);
  info.node = srv.n.context()->node_name;
  info.since = now_ms();
  auto sock = std::make_shared<sio_socket>(eio, nsp, info.session, settings->socketio_lightpush, slot);
  if (!eio->adopt(nsp, sock)) return;  // the session ended, or the namespace is connected already
  token_grant grant{who.expires_ms, nullptr};
  if (who.grants.rooms || who.grants.publish) grant.rooms = std::make_shared<const room_grants>(std::move(who.grants));
  storage::device_record device;
  if (!info.client.empty()) {
    device.remote = eio->handshake().remote;
    device.user_agent = eio->handshake().user_agent.substr(0, 256);
    device.meta = std::move(meta);
  }
  if (!sock->start(ns, std::move(info), std::move(grant), std::move(rooms), std::move(device))) {
    eio->forget(nsp);
    refuse(eio, nsp, {errc::unavailable, "namespace is gone"}, "unknown_namespace");
  }
}

const std::string* query(const eio_handshake& hs, const char* k) {
  auto i = hs.query.find(k);
  return i == hs.query.end() ? nullptr : &i->second;
}

}  // namespace

void sio_connect(const std::shared_ptr<eio_session>& eio, const std::string& nsp, std::string_view auth) {
  auto& srv = eio->server();
  auto& hs = eio->handshake();
  if (nsp == "/")
    return refuse(eio, nsp, {errc::not_found, "connect to /NS, where NS is a herald namespace"}, "unknown_namespace");
  auto ns = nsp.substr(1);
  if (!valid_namespace_name(ns)) return refuse(eio, nsp, {errc::bad_request, "invalid namespace name"}, "bad_url");
  auto settings = srv.n.context()->catalog->get(ns);
  if (!settings) return refuse(eio, nsp, {errc::not_found, "no namespace " + ns}, "unknown_namespace");
  if (srv.stopping) return refuse(eio, nsp, {errc::unavailable, "server is shutting down"}, "stopping");
  if (srv.sessions.load() >= srv.lim.max_connections)
    return refuse(eio, nsp, {errc::unavailable, "node is at its connection limit"}, "full");
  // The auth payload first, then the handshake's query (where clients that
  // cannot set auth put the token).
  auto o = auth.empty() ? std::optional<std::vector<json_scan::member>>(std::in_place) : json_scan::object(auth);
  if (!o) return refuse(eio, nsp, {errc::bad_request, "the CONNECT payload must be an object"}, "bad_url");
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto* v = json_scan::find(*o, k);
    if (v && v->k == json_scan::kind::string) return json_scan::string(v->text);
    if (auto q = query(hs, k)) return *q;
    return std::nullopt;
  };
  std::string tok = str("token").value_or("");
  if (tok.empty()) {
    auto h = hs.headers.find("authorization");
    if (h != hs.headers.end() && h->second.rfind("Bearer ", 0) == 0) tok = h->second.substr(7);
  }
  auto client = str("client");
  if (!client && settings->socketio_lightpush) client = str("uuid");  // light-push's device id
  if (client && !valid_id(*client))
    return refuse(eio, nsp, {errc::bad_request, "\"client\" must be 1..128 bytes without control characters"},
                  "bad_url");
  std::string meta;
  if (auto* m = json_scan::find(*o, "meta"); m && m->k == json_scan::kind::object && m->text.size() <= 1024) {
    meta = json_scan::compact(m->text);
  } else if (m || query(hs, "meta")) {
    auto text = m ? std::string(m->text) : *query(hs, "meta");
    auto ok = text.size() <= 1024 ? json_scan::object(text) : std::nullopt;
    if (!ok) return refuse(eio, nsp, {errc::bad_request, "\"meta\" must be a JSON object of at most 1024 bytes"}, "bad_url");
    meta = json_scan::compact(text);
  }
  if (!settings->auth_url.empty()) {
    connect_request r;
    r.token = tok;
    r.query = hs.query;
    r.query.erase("token");
    for (auto k : {"EIO", "transport", "t", "sid"}) r.query.erase(k);
    r.headers = hs.headers;
    r.headers.erase("authorization");
    r.remote = hs.remote;
    auto fallback = settings->auth_fallback_token;
    srv.auth->check(*settings, r, [eio, nsp, tok, client = client.value_or(""), meta, fallback](connect_verdict v) mutable {
      net::post(eio->executor(), [eio, nsp, tok, client, meta, fallback, v = std::move(v)]() mutable {
        if (eio->closed()) return;
        if (!v.meta.empty()) meta = std::move(v.meta);
        if (v.result == connect_verdict::allow) {
          token::claims who;
          who.user = std::move(v.user);
          return admit(eio, nsp, std::move(who), client, std::move(v.rooms), meta);
        }
        auto& s = eio->server();
        if (v.result == connect_verdict::failed && fallback && !tok.empty()) {
          auto settings = s.n.context()->catalog->get(nsp.substr(1));
          auto user = settings ? token::verify_claims(tok, settings->secrets(now_ms()))
                               : result<token::claims>(error{errc::not_found, "no namespace"});
          if (user) return admit(eio, nsp, std::move(user.value()), client, {}, meta);
        }
        s.n.context()->stats->refused(v.result == connect_verdict::deny ? "auth_denied" : "auth_failed").Increment();
        auto data = nlohmann::json{{"code", v.code}, {"status", v.status}}.dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace);
        eio->send(sio::connect_error(nsp, v.message.empty() ? v.code : v.message, data));
      });
    });
    return;
  }
  if (tok.empty()) return refuse(eio, nsp, {errc::unauthorized, "missing token"}, "no_token");
  auto user = token::verify_claims(tok, settings->secrets(now_ms()));
  if (!user) return refuse(eio, nsp, user.err(), "bad_token");
  admit(eio, nsp, std::move(user.value()), client.value_or(""), {}, std::move(meta));
}

}  // namespace herald
