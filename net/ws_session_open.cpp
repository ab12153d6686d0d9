#include "net/ws_session.hpp"

// A WebSocket session from the HTTP upgrade to its first read: the 101
// answer, the session's actor (native) or its Engine.IO link, the connect
// callback's rooms and the heartbeat list. The I/O after that is in
// net/ws_session.cpp.
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "net/eio_session.hpp"

namespace herald {

namespace net = boost::asio;

void ws_session::answer_upgrade(const boost::beast::http::request<boost::beast::http::string_body>& req,
                                std::function<void(bool)> then) {
  auto key = std::string(req[boost::beast::http::field::sec_websocket_key]);
  auto response = std::make_shared<std::string>(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: " + ws::accept_key(key) + "\r\nServer: herald\r\n\r\n");
  if (!ssl_)
    return net::async_write(socket_, net::buffer(*response),
                            [response, then = std::move(then)](boost::system::error_code ec, std::size_t) mutable {
                              then(!ec);
                            });
  tls::async_write_all(socket_, ssl_.get(), std::move(response), 0,
                       [then = std::move(then)](boost::system::error_code ec) mutable { then(!ec); });
}

void ws_session::run(const boost::beast::http::request<boost::beast::http::string_body>& req, std::string ns,
                     session_info info, std::string early, std::atomic<uint32_t>* ns_slot, token_grant grant,
                     std::vector<std::string> join_rooms, storage::device_record device) {
  ns_slot_ = ns_slot;
  srv_.sessions.fetch_add(1);
  // The namespace and the session's info go to its actor; held here only
  // until then (~140 B less per connection than as members).
  answer_upgrade(req, [self = shared_from_this(), ns = std::move(ns), info = std::move(info), early = std::move(early),
                       grant = std::move(grant), join_rooms = std::move(join_rooms),
                       device = std::move(device)](bool ok) mutable {
    if (!ok) return self->teardown(1006);
    self->start(ns, std::move(info), early, std::move(grant), std::move(join_rooms), std::move(device));
  });
}

void ws_session::run_eio(const boost::beast::http::request<boost::beast::http::string_body>& req,
                         std::shared_ptr<eio_link> eio, const std::string& id, std::string early,
                         std::string first) {
  eio_ = std::move(eio);
  spdlog::debug("eio {}: WebSocket transport", id);
  answer_upgrade(req, [self = shared_from_this(), early = std::move(early), first = std::move(first)](bool ok) mutable {
    if (!ok) return self->teardown(1006);
    boost::system::error_code ec;
    self->socket_.non_blocking(true, ec);
    if (ec) return self->teardown(1006);
    self->last_seen_ = clock::now();
    // Engine.IO pings at its own level (the session's heartbeat); this
    // socket joins no WebSocket heartbeat.
    if (!first.empty()) self->send_text(std::move(first));
    if (self->eio_) self->eio_->ws_opened(self);
    self->read_from(early);
  });
}

void ws_session::start(const std::string& ns, session_info info, const std::string& early, token_grant grant,
                       std::vector<std::string> join_rooms, storage::device_record device) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) return teardown(1006);
  auto expires_ms = grant.expires_ms;
  actor_ = srv_.n.spawn_session(ns, std::move(info), shared_from_this(), std::move(grant), std::move(device));
  if (!actor_) return begin_close(close_code::going_away, "namespace is gone");
  if (!join_rooms.empty()) tell(actor_, wire::granted_join(std::move(join_rooms)));
  arm_expiry(expires_ms);
  last_seen_ = clock::now();
  {
    std::lock_guard lock(srv_.heartbeat_mtx);
    srv_.heartbeat_sessions.add(weak_from_this());
  }
  read_from(early);
}

void ws_session::read_from(const std::string& early) {
  if (!early.empty() && !consume(early.data(), early.size())) return;
  // TLS may hold bytes it decrypted already: the socket would not say so.
  if (ssl_) return on_readable();
  wait_readable();
}

}  // namespace herald
