#include "net/ws_session.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "net/admission.hpp"
#include "net/exact_allocator.hpp"
#include "net/eio_session.hpp"

namespace herald {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// Consecutive frames the server could not accept before it calls it abuse.
constexpr int max_bad_frames = 20;
// How long a close may take before the socket is simply shut.
constexpr auto close_grace = std::chrono::seconds(3);
// Reads per readiness before yielding to other connections.
constexpr int max_reads = 16;

// One read buffer per Asio thread: idle connections hold none.
char* read_buffer() {
  thread_local std::vector<char> buf(64 * 1024);
  return buf.data();
}
constexpr size_t read_buffer_size = 64 * 1024;
}  // namespace

namespace {
// The upgraded connection moves to the sockets' context (net/event_loop.hpp):
// its descriptor, and the TLS session on it, carry over.
tcp::socket to_sockets_context(tcp::socket&& s, server_state& srv) {
  if (!srv.sockets) return std::move(s);
  boost::system::error_code ec;
  auto protocol = s.local_endpoint(ec).protocol();
  auto fd = s.release(ec);
  if (ec) return std::move(s);  // not open: the session ends at its first read
  return tcp::socket(srv.connection_executor(*srv.sockets), protocol, fd);
}
}  // namespace

ws_session::ws_session(tcp::socket&& socket, server_state& srv, ssl_ptr ssl)
  : socket_(to_sockets_context(std::move(socket), srv)),
    ssl_(std::move(ssl)),
    srv_(srv),
    reader_(srv.lim.max_frame) {
  srv_.session_objects.fetch_add(1);
}

ws_session::~ws_session() {
  // Its big fan-outs' frames never written (dropped with the connection).
  if (auto left = queue_.bulk()) srv_.gate.taken(static_cast<int64_t>(left), srv_.sessions);
  srv_.session_objects.fetch_sub(1);
}

std::string ws_session::log_name() const {
  if (eio_) return "eio";
  return "actor " + std::to_string(actor_.raw() ? actor_.raw().id() : 0);
}

// -- reading ----------------------------------------------------------------

void ws_session::wait_readable() { wait_for(tcp::socket::wait_read, &ws_session::on_readable); }

// Runs `then` once the socket is ready for `what`.
void ws_session::wait_for(tcp::socket::wait_type what, void (ws_session::*then)()) {
  socket_.async_wait(what, net::bind_allocator(exact_allocator<void>{}, [self = shared_from_this(),
                                                                          then](boost::system::error_code ec) {
    if (self->closed_) return;
    if (ec) return self->teardown(self->closing_ ? self->close_code_ : 1006);
    ((*self).*then)();
  }));
}

size_t ws_session::read_some(boost::system::error_code& ec, tcp::socket::wait_type& wait) {
  wait = tcp::socket::wait_read;
  if (!ssl_) return socket_.read_some(net::buffer(read_buffer(), read_buffer_size), ec);
  auto r = tls::read(ssl_.get(), read_buffer(), read_buffer_size);
  ec = r.ec;
  if (r.w == tls::want::write) wait = tcp::socket::wait_write;
  return r.n;
}

void ws_session::shutdown_send() {
  tls::notify_close(ssl_.get());
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
}

void ws_session::on_readable() {
  for (int i = 0; i < max_reads; ++i) {
    boost::system::error_code ec;
    tcp::socket::wait_type wait;
    auto n = read_some(ec, wait);
    if (ec == net::error::would_block || ec == net::error::try_again)
      return wait == tcp::socket::wait_read ? wait_readable() : wait_for(wait, &ws_session::on_readable);
    // The peer went without a close frame (or after ours).
    if (ec) return teardown(closing_ ? close_code_ : 1006);
    last_seen_ = clock::now();
    if (!consume(read_buffer(), n)) return;
  }
  // A busy peer: let other connections have the thread.
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->closed_) self->on_readable();
  });
}

bool ws_session::consume(const char* data, size_t n) {
  thread_local std::vector<ws::event> events;
  events.clear();
  reader_.feed(data, n, events);
  for (auto& e : events) {
    handle(e);
    if (closed_) return false;
  }
  return true;
}

bool ws_session::frame_allowed() {
  if (srv_.lim.frame_rate == 0) return true;
  auto sec = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(last_seen_.time_since_epoch()).count());
  if (sec != frame_second_) {
    frame_second_ = sec;
    frames_this_second_ = 0;
  }
  return ++frames_this_second_ <= srv_.lim.frame_rate;
}

void ws_session::handle(ws::event& e) {
  // Text, binary and pings count; beyond the rate it is abuse: 1008.
  if ((e.kind == ws::event::text || e.kind == ws::event::binary || e.kind == ws::event::ping) && !closing_ &&
      !frame_allowed())
    return begin_close(close_code::policy, "more than " + std::to_string(srv_.lim.frame_rate) + " frames a second");
  switch (e.kind) {
    case ws::event::text: {
      if (closing_) return;
      if (eio_) return eio_->ws_text(*this, e.data);
      auto p = wire::parse_client_frame(e.data, srv_.lim.max_targets);
      if (p.frame) {
        bad_frames_ = 0;
        tell(actor_, std::move(*p.frame));
        return;
      }
      auto& f = *p.failure;
      send_text(wire::failure(f.req_id, f.err));
      if (++bad_frames_ >= max_bad_frames) begin_close(close_code::policy, "too many invalid frames");
      return;
    }
    case ws::event::binary:
      if (closing_) return;
      if (eio_) return eio_->ws_binary(*this);
      send_text(wire::error_frame({errc::bad_frame, "frames must be JSON text, not binary"}));
      if (++bad_frames_ >= max_bad_frames) begin_close(close_code::policy, "too many invalid frames");
      return;
    case ws::event::ping:
      if (!closing_) push_control(ws::op_pong, std::move(e.data));
      return;
    case ws::event::pong:
      return;  // a sign of life, counted on read
    case ws::event::close:
      if (close_sent_) return teardown(close_code_);  // the answer to ours
      peer_closed_ = true;
      if (closing_) return;  // ours is on its way: shut once it is written
      // The peer closes first: answer with its code, then shut.
      closing_ = true;
      close_code_ = e.code;
      queue_.refuse(false);
      push_control(ws::op_close, e.code == 1005 ? std::string{} : ws::close_payload(e.code, ""));
      arm_close_deadline();
      return;
    case ws::event::error:
      // The reader stops here; no close from the peer will be read.
      spdlog::debug("session {}: {} ({})", log_name(), e.data, e.code);
      reader_failed_ = true;
      return begin_close(e.code, e.data);
  }
}

// -- closing ----------------------------------------------------------------

void ws_session::close(uint16_t code, std::string reason) {
  net::post(socket_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)]() mutable {
    self->begin_close(code, std::move(r));
  });
}

void ws_session::expire_at(int64_t ms) {
  net::post(socket_.get_executor(), [self = shared_from_this(), ms] { self->arm_expiry(ms); });
}

// A token's `exp` is wall-clock time; the timer waits the difference.
void ws_session::arm_expiry(int64_t ms) {
  if (closing_ || closed_) return;
  if (ms == 0) {
    if (expiry_) expiry_->cancel();
    return;
  }
  if (!expiry_) expiry_ = std::make_unique<net::steady_timer>(socket_.get_executor());
  expiry_->expires_after(std::chrono::milliseconds(std::max<int64_t>(0, ms - now_ms())));
  expiry_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->begin_close(close_code::token_expired, "token expired");
  });
}

void ws_session::begin_close(uint16_t code, std::string reason) {
  if (closing_ || closed_) return;
  closing_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  queue_.refuse(code == close_code::try_again);
  // Everything queued before it is written first.
  push_control(ws::op_close, ws::close_payload(code, close_reason_));
  arm_close_deadline();
}

// A peer that does not read never lets a pending write finish: after the
// grace period the socket is shut regardless.
void ws_session::arm_close_deadline() {
  if (close_deadline_) return;
  close_deadline_ = std::make_unique<net::steady_timer>(socket_.get_executor());
  close_deadline_->expires_after(close_grace);
  close_deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->teardown(self->close_code_);
  });
}

void ws_session::heartbeat() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->on_heartbeat(); });
}

void ws_session::on_heartbeat() {
  if (closed_ || closing_) return;
  // A peer silent for 3 heartbeats would not answer a close frame either:
  // drop it (1006 in the metrics: closed without a close frame).
  if (clock::now() - last_seen_ > std::chrono::seconds(3 * srv_.lim.heartbeat)) {
    spdlog::debug("session {} closed: no heartbeat", log_name());
    return teardown(1006);
  }
  push_control(ws::op_ping, {});
}

void ws_session::teardown(uint16_t code) {
  if (closed_) return;
  closed_ = true;
  ended_code_.store(code, std::memory_order_release);  // before the actor hears of the end
  if (close_deadline_) close_deadline_->cancel();
  if (expiry_) expiry_->cancel();
  tls::notify_close(ssl_.get());
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  ssl_.reset();  // its buffers and keys, now
  queue_.refuse(true);
  batch_.clear();
  bufs_.clear();
  if (eio_) {
    // A transport: its Engine.IO session counts the sockets it carried.
    auto e = std::move(eio_);
    e->ws_closed(*this);
    return;
  }
  if (actor_) {
    tell(actor_, session_closed{});
    actor_ = {};  // breaks the actor <-> connection cycle
  }
  srv_.n.context()->stats->closed(code).Increment();
  srv_.sessions.fetch_sub(1);
  admission::close_session(ns_slot_);
  ns_slot_ = nullptr;
}

}  // namespace herald
