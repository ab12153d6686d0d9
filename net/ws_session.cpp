#include "net/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace herald {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {
// Consecutive frames the server could not accept before it calls it abuse.
constexpr int max_bad_frames = 20;
// How long a close may take before the socket is simply shut.
constexpr auto close_grace = std::chrono::seconds(3);
}  // namespace

ws_session::ws_session(net::ip::tcp::socket&& socket, server_state& srv)
  : ws_(std::move(socket)), srv_(srv), heartbeat_(ws_.get_executor()), close_deadline_(ws_.get_executor()) {}

ws_session::~ws_session() = default;

void ws_session::run(beast::http::request<beast::http::string_body> req, std::string ns,
                     session_info info) {
  ns_ = std::move(ns);
  info_ = std::move(info);
  srv_.sessions.fetch_add(1);
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = websocket::stream_base::none();  // our heartbeat decides
  t.keep_alive_pings = false;
  ws_.set_option(t);
  ws_.read_message_max(srv_.lim.max_frame);
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator(
    [](websocket::response_type& res) { res.set(beast::http::field::server, "herald"); }));
  ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_seen_ = clock::now(); });
  beast::get_lowest_layer(ws_).expires_never();
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) return teardown(close_code::normal);
  actor_ = srv_.n.spawn_session(ns_, info_, shared_from_this());
  if (!actor_) return begin_close(close_code::going_away, "namespace is gone");
  last_seen_ = clock::now();
  arm_heartbeat();
  do_read();
}

void ws_session::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    uint16_t code = ec == websocket::error::message_too_big ? close_code::too_big : close_code::normal;
    if (ec == websocket::error::closed)  // 1005: the peer's close frame had no code
      code = ws_.reason().code ? static_cast<uint16_t>(ws_.reason().code) : uint16_t{1005};
    return teardown(closing_ ? close_code_ : code);
  }
  last_seen_ = clock::now();
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    send_text(wire::error_frame({errc::bad_frame, "frames must be JSON text, not binary"}));
  } else {
    auto data = buffer_.cdata();
    auto p = wire::parse_client_frame(
      std::string_view(static_cast<const char*>(data.data()), data.size()), srv_.lim.max_targets);
    buffer_.consume(buffer_.size());
    if (p.frame) {
      bad_frames_ = 0;
      caf::anon_send(actor_, std::move(*p.frame));
    } else {
      auto& f = *p.failure;
      send_text(f.req_id.empty() ? wire::error_frame(f.err) : wire::reply_error(f.req_id, f.err));
      if (++bad_frames_ >= max_bad_frames)
        begin_close(close_code::policy, "too many invalid frames");
    }
  }
  if (!closed_) do_read();
}

void ws_session::send_text(std::string text) { send(std::make_shared<const std::string>(std::move(text))); }

bool ws_session::send(frame_ptr frame) {
  bool overflow = false;
  {
    std::lock_guard lock(mtx_);
    if (rejecting_) return false;
    if (queued_bytes_ + frame->size() > srv_.lim.send_queue && head_ < queue_.size()) {
      // Drop what is queued: the memory of a stuck reader stays bounded.
      rejecting_ = true;
      overflow = true;
      clear_queue();
    } else {
      queued_bytes_ += frame->size();
      queue_.push_back(std::move(frame));
      if (flush_posted_) return true;
      flush_posted_ = true;
    }
  }
  if (overflow) {
    srv_.n.context()->stats->slow_closed.Increment();
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->begin_close(close_code::try_again, "too slow to keep up");
    });
    return false;
  }
  net::post(ws_.get_executor(), [self = shared_from_this()] { self->flush(); });
  return true;
}

// Call with mtx_ held.
void ws_session::clear_queue() {
  if (queue_.capacity() > 64) std::vector<frame_ptr>().swap(queue_);
  else queue_.clear();
  head_ = 0;
  queued_bytes_ = 0;
}

void ws_session::flush() {
  {
    std::lock_guard lock(mtx_);
    flush_posted_ = false;
  }
  if (!writing_) write_next();
}

void ws_session::write_next() {
  if (closed_) return;
  {
    std::lock_guard lock(mtx_);
    if (head_ < queue_.size()) {
      in_flight_ = std::move(queue_[head_++]);
      queued_bytes_ -= in_flight_->size();
      if (head_ == queue_.size()) {
        clear_queue();  // drained: start over, release a big backlog
      } else if (head_ >= 32 && head_ * 2 >= queue_.size()) {
        // Never drained under steady load: drop the written prefix.
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
    } else {
      in_flight_.reset();
    }
  }
  if (!in_flight_) {
    if (closing_) {
      // Everything before the close is written: now the close frame.
      writing_ = true;
      websocket::close_reason cr;
      cr.code = close_code_;
      cr.reason = close_reason_.substr(0, cr.reason.max_size());
      ws_.async_close(cr,
                      [self = shared_from_this()](beast::error_code) { self->writing_ = false; });
    }
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*in_flight_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_write(ec);
  });
}

void ws_session::on_write(beast::error_code ec) {
  writing_ = false;
  in_flight_.reset();
  if (ec) return teardown(closing_ ? close_code_ : close_code::normal);
  write_next();
}

void ws_session::close(uint16_t code, std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)]() mutable {
    self->begin_close(code, std::move(r));
  });
}

void ws_session::begin_close(uint16_t code, std::string reason) {
  if (closing_ || closed_) return;
  closing_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  bool drop_queue = code == close_code::try_again;
  {
    std::lock_guard lock(mtx_);
    rejecting_ = true;
    if (drop_queue) clear_queue();
  }
  // A peer that does not read never lets a pending write finish: after the
  // grace period the socket is shut regardless.
  close_deadline_.expires_after(close_grace);
  close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->teardown(self->close_code_);
  });
  if (!writing_) write_next();
}

void ws_session::arm_heartbeat() {
  heartbeat_.expires_after(std::chrono::seconds(srv_.lim.heartbeat));
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_ || self->closing_) return;
    auto silent = clock::now() - self->last_seen_;
    // A peer silent for 3 heartbeats would not answer a close frame either:
    // drop it (1006 in the metrics: closed without a close frame).
    if (silent > std::chrono::seconds(3 * self->srv_.lim.heartbeat)) {
      spdlog::debug("session {} closed: no heartbeat", self->info_.session);
      return self->teardown(1006);
    }
    if (!self->pinging_) {
      self->pinging_ = true;
      self->ws_.async_ping({}, [self](beast::error_code) { self->pinging_ = false; });
    }
    self->arm_heartbeat();
  });
}

void ws_session::teardown(uint16_t code) {
  if (closed_) return;
  closed_ = true;
  heartbeat_.cancel();
  close_deadline_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
  {
    std::lock_guard lock(mtx_);
    rejecting_ = true;
    clear_queue();
  }
  if (actor_) {
    caf::anon_send(actor_, closed_atom_v);
    actor_ = nullptr;  // breaks the actor <-> connection cycle
  }
  srv_.n.context()->stats->closed(code).Increment();
  srv_.sessions.fetch_sub(1);
}

}  // namespace herald
