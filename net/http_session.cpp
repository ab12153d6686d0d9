#include "net/http_session.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include <nlohmann/json.hpp>

#include "net/admission.hpp"
#include "net/auth_client.hpp"
#include "net/eio_registry.hpp"
#include "net/http_response.hpp"
#include "net/token.hpp"
#include "net/url.hpp"
#include "net/web_assets.hpp"
#include "net/ws_codec.hpp"
#include "net/ws_session.hpp"

namespace herald {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

template <class Stream>
void http_session<Stream>::run() {
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start_reading(); });
}

// A TLS connection shakes hands first, within the time a request gets.
template <class Stream>
void http_session<Stream>::start_reading() {
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    stream_.expires_after(std::chrono::seconds(10));
    stream_.async_handshake([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->stream_.close();
      self->do_read();
    });
  } else {
    do_read();
  }
}

template <class Stream>
void http_session<Stream>::do_read() {
  parser_.emplace();
  parser_->body_limit(srv_.lim.max_body);
  parser_->header_limit(16 * 1024);
  stream_.expires_after(std::chrono::seconds(60));
  http::async_read(stream_, buffer_, *parser_,
                   [self = this->shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

template <class Stream>
void http_session<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted)
    return shutdown();
  if (ec == http::error::body_limit) {
    error e{errc::too_large, "body larger than " + std::to_string(srv_.lim.max_body) + " bytes"};
    return respond(api_response{413, error_body(e)}, false);
  }
  if (ec == http::error::header_limit) {
    error e{errc::too_large, "headers too large"};
    return respond(api_response{431, error_body(e)}, false);
  }
  if (ec) {
    if (ec == http::error::partial_message || ec == net::error::eof || ec == net::error::connection_reset)
      return shutdown();
    error e{errc::bad_request, "malformed HTTP request: " + ec.message()};
    return respond(api_response{400, error_body(e)}, false);
  }
  auto req = parser_->release();
  version_ = req.version();
  if (beast::websocket::is_upgrade(req)) return upgrade(std::move(req));
  // A browser on another origin asks first (a preflight) and shows the
  // page an answer only with the CORS headers ([node] cors_origins).
  auto origin = std::string(req[http::field::origin]);
  if (req.method() == http::verb::options && !origin.empty() &&
      req.find(http::field::access_control_request_method) != req.end()) {
    auto allowed = srv_.cors.preflight_headers(origin);
    if (allowed.empty()) {
      error e{errc::forbidden, "cross-origin calls from " + origin + " are not allowed (node.cors_origins)"};
      return respond(api_response{http_status(e.code), error_body(e)}, req.keep_alive());
    }
    return respond(api_response{204, {}, "text/plain", std::move(allowed)}, req.keep_alive());
  }
  if (srv_.eio) {
    auto t = url::parse_target(req.target());
    if (srv_.eio->serves(t.path)) return eio_poll(std::move(req), std::move(t.query), srv_.cors.answer_headers(origin));
  }
  if (req.method() == http::verb::get) {
    auto t = url::parse_target(req.target());
    auto* a = find_web_asset(t.path);
    // The demo's pages only where [node] demo_ns names a namespace.
    if (a && (t.path.rfind("/demo", 0) != 0 || !srv_.routes.demo_ns().empty())) return serve_asset(*a, req);
  }
  api_request ar;
  ar.method = std::string(req.method_string());
  ar.target = std::string(req.target());
  ar.authorization = std::string(req[http::field::authorization]);
  ar.body = std::move(req.body());
  ar.remote = peer_address();
  bool keep = req.keep_alive();
  auto cors = srv_.cors.answer_headers(origin);
  srv_.routes.handle(std::move(ar), [self = this->shared_from_this(), keep, cors = std::move(cors)](api_response res) {
    res.headers += cors;
    // May run on another thread (an actor's, a store thread's): hop back to
    // this connection's executor.
    net::post(self->stream_.get_executor(),
              [self, keep, res = std::move(res)]() mutable { self->respond(std::move(res), keep); });
  });
}

// One of herald's own pages or assets (net/web_assets.hpp): revalidated on
// every load (no-cache) and answered 304 while its ETag still matches.
template <class Stream>
void http_session<Stream>::serve_asset(const web_asset& a, const http::request<http::string_body>& req) {
  bool keep = req.keep_alive();
  std::string headers = "ETag: " + std::string(a.etag) + "\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n";
  if (a.content_type == "text/html")
    headers += "Content-Security-Policy: default-src 'self'; connect-src 'self' ws: wss: http: https:; img-src 'self' data:\r\n"
               "X-Frame-Options: DENY\r\n";
  if (req[http::field::if_none_match] == a.etag) return respond(api_response{304, {}, {}, std::move(headers)}, keep);
  auto type = std::string(a.content_type) + "; charset=utf-8";
  respond(api_response{200, std::string(a.body), type, std::move(headers)}, keep);
}

template <class Stream>
void http_session<Stream>::refuse(const error& e, const std::string& reason_label) {
  srv_.n.context()->stats->refused(reason_label).Increment();
  spdlog::info("websocket refused: {} ({})", e.message, reason_label);
  respond(api_response{http_status(e.code), error_body(e)}, false);
}

template <class Stream>
void http_session<Stream>::upgrade(http::request<http::string_body> req) {
  auto t = url::parse_target(req.target());
  bool socketio = srv_.eio && srv_.eio->serves(t.path);
  if (t.path != "/v1/ws" && !socketio)
    return refuse({errc::not_found, "no WebSocket endpoint at " + t.path}, "not_found");
  if (!t.ok) return refuse({errc::bad_request, "malformed query string"}, "bad_url");
  if (req.method() != http::verb::get) return refuse({errc::bad_request, "a WebSocket upgrade is a GET"}, "bad_upgrade");
  if (req[http::field::sec_websocket_version] != "13")
    return refuse({errc::bad_request, "Sec-WebSocket-Version must be 13"}, "bad_upgrade");
  if (!ws::valid_client_key(std::string_view(req[http::field::sec_websocket_key])))
    return refuse({errc::bad_request, "missing or malformed Sec-WebSocket-Key"}, "bad_upgrade");
  // A browser says where the page that opens the socket came from; a page
  // of another site must not ride on its visitor's token (cross-site
  // WebSocket hijacking). Clients that are not browsers send no Origin.
  if (!srv_.ws_origins.empty()) {
    auto origin = std::string(req[http::field::origin]);
    for (auto& ch : origin) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!origin.empty() && std::find(srv_.ws_origins.begin(), srv_.ws_origins.end(), origin) == srv_.ws_origins.end())
      return refuse({errc::forbidden, "WebSocket connections from origin " + origin + " are not allowed"}, "bad_origin");
  }
  if (socketio) return eio_upgrade(std::move(req), std::move(t.query));
  if (srv_.stopping) return refuse({errc::unavailable, "server is shutting down"}, "stopping");
  if (srv_.sessions.load() >= srv_.lim.max_connections)
    return refuse({errc::unavailable, "node is at its connection limit"}, "full");
  auto q = [&](const char* k) -> const std::string* {
    auto i = t.query.find(k);
    return i == t.query.end() ? nullptr : &i->second;
  };
  auto ns = q("ns");
  if (!ns || ns->empty()) return refuse({errc::bad_request, "query parameter \"ns\" is required"}, "bad_url");
  if (!valid_namespace_name(*ns)) return refuse({errc::bad_request, "invalid namespace name"}, "bad_url");
  auto settings = srv_.n.context()->catalog->get(*ns);
  if (!settings) return refuse({errc::not_found, "no namespace " + *ns}, "unknown_namespace");
  std::string tok;
  if (auto p = q("token")) tok = *p;
  else {
    auto auth = std::string(req[http::field::authorization]);
    if (auth.rfind("Bearer ", 0) == 0) tok = auth.substr(7);
  }
  std::string client;
  if (auto c = q("client")) {
    if (!valid_id(*c))
      return refuse({errc::bad_request, "\"client\" must be 1..128 bytes without control characters"}, "bad_url");
    client = *c;
  }
  // The client's own words about its device (kept in its record): a JSON
  // object of at most 1 KB.
  std::string meta;
  if (auto m = q("meta")) {
    auto o = m->size() <= 1024 ? json_scan::object(*m) : std::nullopt;
    if (!o) return refuse({errc::bad_request, "\"meta\" must be a JSON object of at most 1024 bytes"}, "bad_url");
    meta = json_scan::compact(*m);
  }
  if (!settings->auth_url.empty())
    return ask_connect(std::move(req), std::move(t.query), *settings, std::move(tok), std::move(client),
                       std::move(meta));
  if (tok.empty()) return refuse({errc::unauthorized, "missing token"}, "no_token");
  auto user = token::verify_claims(tok, settings->secrets(now_ms()));
  if (!user) return refuse(user.err(), "bad_token");
  admit(req, *ns, std::move(user.value()), std::move(client), {}, std::move(meta));
}

// The namespace's connect callback decides (net/auth_client.hpp); the
// upgrade waits for it, then goes on on this connection's executor.
template <class Stream>
void http_session<Stream>::ask_connect(http::request<http::string_body> req, std::map<std::string, std::string> query,
                                       const namespace_settings& settings, std::string tok, std::string client,
                                       std::string meta) {
  auto ns = settings.name;
  connect_request r;
  r.token = tok;
  query.erase("token");
  r.query = std::move(query);
  for (auto name : {"cookie", "user-agent", "origin", "x-forwarded-for", "x-real-ip", "accept-language"})
    if (auto h = req.find(name); h != req.end()) r.headers[name] = std::string(h->value());
  r.remote = peer_address();
  auto held = std::make_shared<http::request<http::string_body>>(std::move(req));
  srv_.auth->check(settings, r, [self = this->shared_from_this(), held, ns = std::move(ns), tok = std::move(tok),
                                  client = std::move(client), meta = std::move(meta)](connect_verdict v) mutable {
    net::post(self->stream_.get_executor(), [self, held, ns = std::move(ns), tok = std::move(tok),
                                             client = std::move(client), meta = std::move(meta), v = std::move(v)]() mutable {
      // The business system's meta, when it gives one, is the record's.
      if (!v.meta.empty()) meta = std::move(v.meta);
      self->connected(*held, ns, tok, std::move(client), std::move(meta), std::move(v));
    });
  });
}

template <class Stream>
void http_session<Stream>::connected(const http::request<http::string_body>& req, const std::string& ns,
                                     const std::string& tok, std::string client, std::string meta,
                                     connect_verdict v) {
  auto settings = srv_.n.context()->catalog->get(ns);
  if (!settings) return refuse({errc::not_found, "no namespace " + ns}, "unknown_namespace");
  if (srv_.stopping) return refuse({errc::unavailable, "server is shutting down"}, "stopping");
  if (v.result == connect_verdict::allow) {
    token::claims who;
    who.user = std::move(v.user);
    return admit(req, ns, std::move(who), std::move(client), std::move(v.rooms), std::move(meta));
  }
  if (v.result == connect_verdict::failed && settings->auth_fallback_token && !tok.empty()) {
    auto user = token::verify_claims(tok, settings->secrets(now_ms()));
    if (user) return admit(req, ns, std::move(user.value()), std::move(client), {}, std::move(meta));
  }
  srv_.n.context()->stats->refused(v.result == connect_verdict::deny ? "auth_denied" : "auth_failed").Increment();
  spdlog::info("websocket refused by the connect callback of {}: {} {}", ns, v.code, v.message);
  auto body = nlohmann::json{{"error", {{"code", v.code}, {"message", v.message}}}}.dump(
    -1, ' ', false, nlohmann::json::error_handler_t::replace);
  respond(api_response{static_cast<int>(v.status), std::move(body)}, false);
}

template <class Stream>
void http_session<Stream>::admit(const http::request<http::string_body>& req, const std::string& ns,
                                 token::claims who, std::string client, std::vector<std::string> rooms,
                                 std::string meta) {
  // Counted once it is authenticated; the session gives it back when it closes.
  bool ns_full = false;
  auto* slot = srv_.routes.admit().open_session(ns, ns_full);
  if (ns_full) return refuse({errc::rate_limited, "namespace " + ns + " is at its connection limit on this node"}, "ns_full");
  session_info info;
  info.session = srv_.n.context()->ids->next_session();
  info.user = std::move(who.user);
  info.client = std::move(client);
  info.node = srv_.n.context()->node_name;
  info.since = now_ms();
  // Before the socket moves to the session.
  std::string remote = info.client.empty() ? std::string() : peer_address();
  auto early = take_early();
  auto ws = take_websocket();
  token_grant grant{who.expires_ms, nullptr};
  if (who.grants.rooms || who.grants.publish) grant.rooms = std::make_shared<const room_grants>(std::move(who.grants));
  storage::device_record device;
  if (!info.client.empty()) {
    device.remote = std::move(remote);
    device.user_agent = std::string(req[http::field::user_agent]).substr(0, 256);
    device.meta = std::move(meta);
  }
  ws->run(req, ns, std::move(info), std::move(early), slot, std::move(grant), std::move(rooms), std::move(device));
}

template <class Stream>
eio_handshake http_session<Stream>::handshake_of(const http::request<http::string_body>& req,
                                                 std::map<std::string, std::string> query) {
  eio_handshake hs;
  hs.query = std::move(query);
  // Engine.IO's own parameters tell a CONNECT nothing (and cost every session).
  for (auto k : {"EIO", "transport", "t", "sid"}) hs.query.erase(k);
  for (auto name : {"cookie", "user-agent", "origin", "x-forwarded-for", "x-real-ip", "accept-language", "authorization"})
    if (auto h = req.find(name); h != req.end()) hs.headers[name] = std::string(h->value());
  hs.remote = peer_address();
  hs.user_agent = std::string(req[http::field::user_agent]);
  return hs;
}

// Engine.IO's polling: the handshake, a GET that waits for packets, a
// POST that brings them (net/eio_registry.hpp).
template <class Stream>
void http_session<Stream>::eio_poll(http::request<http::string_body> req, std::map<std::string, std::string> query,
                                    std::string cors) {
  bool keep = req.keep_alive();
  // Polling is a WebSocket by other means: the same origins may use it.
  if (!srv_.ws_origins.empty()) {
    auto origin = std::string(req[http::field::origin]);
    for (auto& ch : origin) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!origin.empty() && std::find(srv_.ws_origins.begin(), srv_.ws_origins.end(), origin) == srv_.ws_origins.end())
      return respond(api_response{403, eio::failure_body(eio::failure::forbidden, "origin " + origin + " is not allowed")},
                     keep);
  }
  auto method = std::string(req.method_string());
  auto hs = query.count("sid") ? eio_handshake{} : handshake_of(req, query);
  srv_.eio->http(method, query, std::move(req.body()), std::move(hs),
                 [self = this->shared_from_this(), keep, cors = std::move(cors)](api_response res) {
                   res.headers += cors;
                   net::post(self->stream_.get_executor(),
                             [self, keep, res = std::move(res)]() mutable { self->respond(std::move(res), keep); });
                 });
}

// The WebSocket transport of Engine.IO: a new session (transport=websocket)
// or the upgrade of a polling one (sid).
template <class Stream>
void http_session<Stream>::eio_upgrade(http::request<http::string_body> req, std::map<std::string, std::string> query) {
  auto plan = srv_.eio->plan_websocket(query, handshake_of(req, query));
  if (plan.refusal.status != 0) {
    srv_.n.context()->stats->refused("socketio").Increment();
    return respond(std::move(plan.refusal), false);
  }
  auto ws = take_websocket();
  auto early = take_early();
  ws->run_eio(req, std::move(plan.session), plan.id, std::move(early), std::move(plan.first));
}

template <class Stream>
std::string http_session<Stream>::take_early() {
  // Frames the client sent right behind its request were read with it.
  auto bytes = buffer_.data();
  std::string early(static_cast<const char*>(bytes.data()), bytes.size());
  buffer_.consume(buffer_.size());
  return early;
}

template <class Stream>
std::shared_ptr<ws_session> http_session<Stream>::take_websocket() {
  stream_.expires_never();
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    auto ssl = stream_.release_ssl();
    return std::make_shared<ws_session>(stream_.release_socket(), srv_, std::move(ssl));
  } else {
    return std::make_shared<ws_session>(stream_.release_socket(), srv_);
  }
}

// Asked once per connection: a getpeername and a formatting per API call
// were ~2 % of a node's CPU on point-to-point pushes. Empty when the
// socket has no peer any more.
template <class Stream>
const std::string& http_session<Stream>::peer_address() {
  if (!peer_known_) {
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string();
    peer_known_ = !ec;
  }
  return peer_;
}

template <class Stream>
void http_session<Stream>::respond(api_response res, bool keep_alive) {
  // One answer in flight at a time: the next request is read after it.
  out_ = render_response(res.status, res.content_type, res.body, version_, keep_alive, res.headers);
  srv_.n.context()->stats->http(res.status).Increment();
  stream_.expires_after(std::chrono::seconds(30));
  net::async_write(stream_, net::buffer(out_), [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
    if (ec) return self->shutdown();
    if (!keep_alive) return self->linger();
    self->read_next();
  });
}

// The next request waits while the node's big fan-outs are behind on their
// writes (net/backlog_gate.hpp), at most the gate's max_hold.
template <class Stream>
void http_session<Stream>::read_next() {
  auto& gate = srv_.gate;
  if (!gate.over(srv_.sessions)) return do_read();
  srv_.n.context()->stats->api_held.Increment();
  auto once = std::make_shared<std::atomic<bool>>(false);
  auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), gate.max_hold());
  auto resume = [self = this->shared_from_this(), once, timer] {
    if (once->exchange(true)) return;
    net::post(self->stream_.get_executor(), [self, timer] {
      timer->cancel();
      self->do_read();
    });
  };
  timer->async_wait([resume](const boost::system::error_code& ec) {
    if (!ec) resume();
  });
  if (!gate.hold(srv_.sessions, resume)) resume();
}

// An answer that ends the connection (413, 431, 400, a refused upgrade)
// may leave input unread: a body still coming, frames sent behind an
// upgrade. Closing then makes the kernel reset the connection, and the
// client sees EPIPE or ECONNRESET instead of the answer. As nginx's
// lingering close: shut the write side (the answer is out), read and drop
// whatever comes until the peer closes, for at most linger_time, then close.
constexpr auto linger_time = std::chrono::seconds(5);
constexpr size_t scrap_size = 16 * 1024;

template <class Stream>
void http_session<Stream>::linger() {
  if constexpr (std::is_same_v<Stream, tls_stream>) tls::notify_close(stream_.ssl());
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) return stream_.close();
  scrap_ = std::make_unique<char[]>(scrap_size);
  stream_.expires_after(linger_time);
  discard();
}

template <class Stream>
void http_session<Stream>::discard() {
  stream_.async_read_some(net::buffer(scrap_.get(), scrap_size), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->stream_.close();  // the peer's end, an error, or linger_time
    self->discard();
  });
}

template <class Stream>
void http_session<Stream>::shutdown() {
  if constexpr (std::is_same_v<Stream, tls_stream>) tls::notify_close(stream_.ssl());
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  stream_.close();
}

template class http_session<beast::tcp_stream>;
template class http_session<tls_stream>;

}  // namespace herald
