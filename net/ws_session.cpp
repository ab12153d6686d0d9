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
// Frames per batch; each write call takes up to 64 buffers (Asio's limit).
constexpr size_t max_batch = 256;
// Reads per readiness before yielding to other connections.
constexpr int max_reads = 16;
// The least share of a fan-out's writes worth a task of its own: ~10 ms
// of writes. Smaller fan-outs (a room's 3.3k members on each of 3 local
// nodes) lost a seventh of their rate to the extra thread's wake-ups.
constexpr size_t min_wake_part = 2048;

// One read buffer per Asio thread: idle connections hold none.
char* read_buffer() {
  thread_local std::vector<char> buf(64 * 1024);
  return buf.data();
}
constexpr size_t read_buffer_size = 64 * 1024;

// A write's vectors (frames, headers, buffers) belong to a session only
// while its write waits for room; a write that completes gives them back
// to its thread's spare set, which the next session's write takes. So an
// idle connection, or one whose writes complete at once, holds none, and
// a fan-out reuses one set per thread without allocating.
struct write_vectors {
  std::vector<send_queue::frame> batch;
  std::vector<uint8_t> headers;
  std::vector<net::const_buffer> bufs;
};
write_vectors& spare_vectors() {
  thread_local write_vectors v;
  return v;
}
// A session's own grew large in one stuck write: freed, not kept.
constexpr size_t max_spare_frames = 64;

// The unwritten buffers [from, to) as a buffer sequence for write_some.
struct buffer_range {
  const net::const_buffer* from;
  const net::const_buffer* to;
  const net::const_buffer* begin() const { return from; }
  const net::const_buffer* end() const { return to; }
};
}  // namespace

ws_session::ws_session(tcp::socket&& socket, server_state& srv, ssl_ptr ssl)
  : socket_(std::move(socket)),
    ssl_(std::move(ssl)),
    srv_(srv),
    reader_(srv.lim.max_frame) {
  srv_.session_objects.fetch_add(1);
}

ws_session::~ws_session() { srv_.session_objects.fetch_sub(1); }

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

size_t ws_session::write_some(const net::const_buffer* from, const net::const_buffer* to, boost::system::error_code& ec,
                              tcp::socket::wait_type& wait) {
  wait = tcp::socket::wait_write;
  if (!ssl_) return socket_.write_some(buffer_range{from, to}, ec);
  // One TLS record for many small frames; written() moves the buffers
  // only by what was written, so a retry sends the same bytes.
  auto r = tls::write_gathered(ssl_.get(), from, to);
  ec = r.ec;
  if (r.w == tls::want::read) wait = tcp::socket::wait_read;
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

// -- writing ----------------------------------------------------------------

void ws_session::send_text(std::string text) { send(std::make_shared<const std::string>(std::move(text))); }

bool ws_session::send(frame_ptr frame) { return send_wrapped({}, std::move(frame)); }

bool ws_session::send_wrapped(frame_ptr head, frame_ptr frame) {
  switch (queue_.push(std::move(frame), ws::op_text, srv_.lim.send_queue, std::move(head))) {
    case send_queue::pushed::queued: return true;
    case send_queue::pushed::refused: return false;
    case send_queue::pushed::full:
      net::post(socket_.get_executor(), [self = shared_from_this()] { self->overflowed(); });
      return false;
    case send_queue::pushed::wake: break;
  }
  if (auto* batch = send_batch::current()) batch->defer(shared_from_this());
  else net::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
  return true;
}

// The queue dropped its frames to stay in its bound (the memory of a stuck
// reader stays bounded): the peer is told to come back later.
void ws_session::overflowed() {
  srv_.n.context()->stats->slow_closed.Increment();
  begin_close(close_code::try_again, "too slow to keep up");
}

void ws_session::wake_all(std::vector<connection_ptr>&& conns) {
  // A big fan-out's writes are shared out over the loop's threads, one task
  // per thread, when no other fan-out's writes are under way: then every
  // core writes (one thread writing all 10k made a message's last member
  // wait for the whole pass). Fan-outs back to back (saturation) keep one
  // task each, so a thread stays free for the publishes: shared out there,
  // the publishes waited behind writes on both threads and the rate halved.
  // Quiet: no fan-out's writes under way, none finished in the last 20 ms.
  auto now = clock::now().time_since_epoch().count();
  bool quiet = srv_.wakes_in_flight.load(std::memory_order_relaxed) == 0 &&
               now - srv_.last_wake_done.load(std::memory_order_relaxed) > 20'000'000;
  unsigned parts = srv_.one_thread || !quiet
                     ? 1
                     : std::min<unsigned>(srv_.io_threads, static_cast<unsigned>(conns.size() / min_wake_part));
  for (unsigned k = 1; k < parts; ++k) {
    auto from = conns.size() * k / parts, to = conns.size() * (k + 1) / parts;
    std::vector<connection_ptr> share(std::make_move_iterator(conns.begin() + static_cast<std::ptrdiff_t>(from)),
                                      std::make_move_iterator(conns.begin() + static_cast<std::ptrdiff_t>(to)));
    wake_part(std::move(share), true);
  }
  if (parts > 1) conns.resize(conns.size() / parts);
  if (!conns.empty()) wake_part(std::move(conns), parts > 1);
}

void ws_session::wake_part(std::vector<connection_ptr>&& conns, bool shared_out) {
  // A share goes to the loop, so the shares run side by side; a whole
  // fan-out to this session's strand, as before: consecutive fan-outs
  // (their first member is mostly the same) then write one after the
  // other and leave a thread to the publishes. On the loop, saturated
  // fan-outs wrote on both threads at once and delivered a third less.
  srv_.wakes_in_flight.fetch_add(1, std::memory_order_relaxed);
  auto task = [conns = std::move(conns), one_thread = srv_.one_thread, &srv = srv_] {
    for (auto& c : conns) {
      auto* s = static_cast<ws_session*>(c.get());  // a batch holds one kind
      // With one Asio thread this is every socket's thread: flush here (no
      // handler, executor or reference copy per member of a fan-out).
      // Otherwise through the session's strand.
      if (one_thread) s->flush();
      else net::dispatch(s->socket_.get_executor(), [s = std::static_pointer_cast<ws_session>(c)] { s->flush(); });
    }
    srv.last_wake_done.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    srv.wakes_in_flight.fetch_sub(1, std::memory_order_relaxed);
  };
  if (shared_out)
    net::post(static_cast<net::io_context&>(net::query(socket_.get_executor(), net::execution::context)),
              std::move(task));
  else
    net::post(socket_.get_executor(), std::move(task));
}

// Control frames count in the same bound: pongs for a peer that pings and
// never reads would grow without one. The close frame goes in regardless.
void ws_session::push_control(uint8_t op, std::string payload) {
  auto data = std::make_shared<const std::string>(std::move(payload));
  if (op == ws::op_close) queue_.push_close(std::move(data), op);
  else if (queue_.push(std::move(data), op, srv_.lim.send_queue) == send_queue::pushed::full) return overflowed();
  if (!writing_) write_batch();
}

// A write in progress takes the new frames when it completes (and the
// queue's pending wake with them).
void ws_session::flush() {
  if (!writing_) write_batch();
}

void ws_session::borrow_vectors() {
  auto& v = spare_vectors();
  if (batch_.capacity() == 0) batch_.swap(v.batch);
  if (headers_.capacity() == 0) headers_.swap(v.headers);
  if (bufs_.capacity() == 0) bufs_.swap(v.bufs);
}

void ws_session::return_vectors() {
  batch_.clear();
  bufs_.clear();
  auto& v = spare_vectors();
  if (batch_.capacity() <= max_spare_frames && v.batch.capacity() < batch_.capacity()) {
    v.batch.swap(batch_);
    v.headers.swap(headers_);
    v.bufs.swap(bufs_);
  }
  std::vector<out_frame>().swap(batch_);
  std::vector<uint8_t>().swap(headers_);
  std::vector<net::const_buffer>().swap(bufs_);
}

void ws_session::write_batch() {
  if (closed_ || close_sent_) return;
  borrow_vectors();
  queue_.take(max_batch, batch_);
  if (batch_.empty()) return return_vectors();
  headers_.resize(batch_.size() * ws::max_header);
  bufs_.clear();
  bufs_.reserve(batch_.size() * 2);
  static constexpr char tail = ']';
  for (size_t i = 0; i < batch_.size(); ++i) {
    auto& f = batch_[i];
    auto* h = headers_.data() + i * ws::max_header;
    // Control frames carry at most 125 bytes.
    size_t len = f.op == ws::op_text ? send_queue::payload_size(f) : std::min<size_t>(f.data->size(), 125);
    bufs_.emplace_back(h, ws::frame_header(f.op, len, h));
    if (f.head) {
      bufs_.emplace_back(f.head->data(), f.head->size());
      bufs_.emplace_back(f.data->data(), f.data->size());
      bufs_.emplace_back(&tail, 1);
    } else if (len > 0) {
      bufs_.emplace_back(f.data->data(), len);
    }
  }
  buf_at_ = 0;
  writing_ = true;
  written();
}

// Writes what it can now; waits for room when the socket is full.
void ws_session::written() {
  while (buf_at_ < bufs_.size()) {
    boost::system::error_code ec;
    auto end = bufs_.data() + std::min(bufs_.size(), buf_at_ + 64);
    tcp::socket::wait_type wait;
    auto n = write_some(bufs_.data() + buf_at_, end, ec, wait);
    if (ec == net::error::would_block || ec == net::error::try_again)
      return wait == tcp::socket::wait_write ? wait_writable() : wait_for(wait, &ws_session::written);
    if (ec) return teardown(closing_ ? close_code_ : 1006);
    while (n > 0) {
      auto& b = bufs_[buf_at_];
      if (n >= b.size()) {
        n -= b.size();
        ++buf_at_;
      } else {
        b += n;
        n = 0;
      }
    }
  }
  writing_ = false;
  bool had_close = false;
  for (auto& f : batch_) had_close |= f.op == ws::op_close;
  return_vectors();
  if (had_close) {
    close_sent_ = true;
    // Answering the peer's close: done. After a protocol error (a frame
    // too big, broken framing) no close can be read, but the peer may still
    // be sending: closing now would make the kernel reset the connection
    // and the client would see 1006, not our close code. So, as nginx's
    // lingering close, shut the write side and drop what still comes (the
    // failed reader keeps nothing) until the peer closes or the close
    // deadline. Otherwise the peer's answer (or the deadline) ends it.
    if (peer_closed_) return teardown(close_code_);
    if (reader_failed_) shutdown_send();
    return;
  }
  write_batch();
}

void ws_session::wait_writable() { wait_for(tcp::socket::wait_write, &ws_session::written); }

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
