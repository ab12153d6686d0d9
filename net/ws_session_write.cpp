// ws_session's write side: the frames its session actor and fan-outs
// queue, woken in batches (a fan-out's writes shared over the loop's
// threads when it is quiet), written with one writev per batch, and the
// wait for room when the socket is full. The rest of the session is in
// net/ws_session.cpp.
#include "net/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <optional>

#include "actors/metrics.hpp"
#include "net/thread_priority.hpp"

namespace herald {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// Frames per batch; each write call takes up to 64 buffers (Asio's limit).
constexpr size_t max_batch = 256;
// The least share of a fan-out's writes worth a task of its own: ~10 ms
// of writes. Smaller fan-outs (a room's 3.3k members on each of 3 local
// nodes) lost a seventh of their rate to the extra thread's wake-ups.
constexpr size_t min_wake_part = 2048;
// The least fan-out whose writes wait node.write_delay while the node is
// busy writing others: a room's members get its messages back to back, so
// waiting lets several leave in one write; a push to one user's sessions
// would only wait, with nothing to gather.
constexpr size_t min_delayed_wake = send_batch::bulk_size;

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

// -- writing ----------------------------------------------------------------

void ws_session::send_text(std::string text) { send(std::make_shared<const std::string>(std::move(text))); }

bool ws_session::send(frame_ptr frame) { return send_wrapped({}, std::move(frame)); }

bool ws_session::send_wrapped(frame_ptr head, frame_ptr frame) {
  auto* batch = send_batch::current();
  bool bulk = batch && batch->bulk() && srv_.gate.enabled();
  auto pushed = queue_.push(std::move(frame), ws::op_text, srv_.lim.send_queue, std::move(head), bulk);
  if (bulk && (pushed == send_queue::pushed::queued || pushed == send_queue::pushed::wake)) srv_.gate.queued(1);
  switch (pushed) {
    case send_queue::pushed::queued: return true;
    case send_queue::pushed::refused: return false;
    case send_queue::pushed::full:
      net::post(socket_.get_executor(), [self = shared_from_this()] { self->overflowed(); });
      return false;
    case send_queue::pushed::wake: break;
  }
  if (batch) batch->defer(shared_from_this());
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
  // Busy (fan-outs back to back): a big fan-out's writes wait write_delay,
  // so each socket's next messages join them and leave in the same write.
  // Sends are what a busy node spends its CPU on (one sendmsg per socket
  // per wake): 50 ms raised saturated delivery 2.8x on one node and 2.7x
  // on three, and lowered p50/p99 at 20 and 50 publishes/s, since the
  // loop keeps up (docs/benchmarks.md, "The write delay").
  if (!quiet && srv_.write_delay_ms > 0 && conns.size() >= min_delayed_wake)
    return wake_part(std::move(conns), false, std::chrono::milliseconds(srv_.write_delay_ms));
  unsigned parts = srv_.one_thread() || !quiet
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

void ws_session::wake_part(std::vector<connection_ptr>&& conns, bool shared_out, std::chrono::milliseconds delay) {
  // A share goes to the loop, so the shares run side by side; a whole
  // fan-out to this session's strand, as before: consecutive fan-outs
  // (their first member is mostly the same) then write one after the
  // other and leave a thread to the publishes. On the loop, saturated
  // fan-outs wrote on both threads at once and delivered a third less.
  srv_.wakes_in_flight.fetch_add(1, std::memory_order_relaxed);
  bool delayed = delay.count() > 0;
  auto task = [conns = std::move(conns), one_thread = srv_.one_thread(), &srv = srv_, delayed] {
    // A delayed pass is a big fan-out's writes on a busy node: below the
    // API's threads, so that the publishes do not queue behind them.
    std::optional<lowered_priority> low;
    if (delayed) low.emplace();
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
  if (delayed) {
    srv_.n.context()->stats->fanout_delayed.Increment();
    // On the session's strand, as an undelayed whole fan-out's task.
    auto timer = std::make_shared<net::steady_timer>(socket_.get_executor(), delay);
    timer->async_wait([timer, task = std::move(task)](const boost::system::error_code&) mutable { task(); });
  } else if (shared_out)
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
  if (auto bulk = queue_.take(max_batch, batch_)) srv_.gate.taken(static_cast<int64_t>(bulk), srv_.sessions);
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

}  // namespace herald
