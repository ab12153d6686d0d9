#include "net/eio_session.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "net/eio_registry.hpp"
#include "net/server_state.hpp"
#include "net/sio_frames.hpp"
#include "net/sio_socket.hpp"
#include "net/ws_session.hpp"

namespace herald {

namespace net = boost::asio;

namespace {
// Packets in one POST; a client sends what it has queued, rarely many.
constexpr size_t max_post_packets = 1024;
// Namespaces one Engine.IO session may carry at once.
constexpr size_t max_sockets = 16;

api_response text(std::string body) { return api_response{200, std::move(body), "text/plain; charset=UTF-8"}; }
api_response failure(int status, eio::failure f, std::string_view message) {
  return api_response{status, eio::failure_body(f, message)};
}
}  // namespace

eio_session::eio_session(server_state& srv, eio_registry& reg, std::string sid, eio_handshake hs,
                         net::any_io_executor ex, bool ws_only)
    : srv_(srv), reg_(reg), sid_(std::move(sid)), hs_(std::move(hs)), ex_(std::move(ex)), ws_only_(ws_only) {}

eio_session::~eio_session() = default;

bool eio_session::closed() const {
  std::lock_guard lock(mtx_);
  return closed_;
}

// -- sending ------------------------------------------------------------------

bool eio_session::send(std::string packet) {
  std::unique_lock lock(mtx_);
  if (closed_) return false;
  if (ws_) {
    auto ws = ws_;
    lock.unlock();
    return ws->send(std::make_shared<const std::string>(std::move(packet)));
  }
  // Polling: the same bound as a WebSocket's queue; beyond it the client
  // is too slow, and comes back (as 1013 on the native protocol).
  pending_bytes_ += packet.size() + send_queue::entry_cost;
  pending_.push_back(std::move(packet));
  if (pending_bytes_ > srv_.lim.send_queue && pending_.size() > 1) {
    lock.unlock();
    srv_.n.context()->stats->slow_closed.Increment();
    end(close_code::try_again, "too slow to keep up");
    return false;
  }
  if (waiting_ && !flush_posted_) {
    // Packets sent in the same turn (a burst of a fan-out) go in one answer.
    flush_posted_ = true;
    net::post(ex_, [self = shared_from_this()] { self->flush_poll(); });
  }
  return true;
}

bool eio_session::send_wrapped(const frame_ptr& head, const frame_ptr& data) {
  std::unique_lock lock(mtx_);
  if (closed_) return false;
  if (ws_) {
    auto ws = ws_;
    lock.unlock();
    return ws->send_wrapped(head, data);
  }
  lock.unlock();
  std::string p;
  p.reserve(head->size() + data->size() + 1);
  p += *head;
  p += *data;
  p += ']';
  return send(std::move(p));
}

std::string eio_session::take_payload() {
  std::string out;
  for (auto& p : pending_) eio::append_part(out, p);
  pending_.clear();
  pending_bytes_ = 0;
  if (pending_.capacity() > 64) std::vector<std::string>().swap(pending_);
  return out;
}

void eio_session::flush_poll() {
  std::unique_lock lock(mtx_);
  flush_posted_ = false;
  if (!waiting_ || pending_.empty()) return;
  auto done = std::move(waiting_);
  waiting_ = nullptr;
  auto body = take_payload();
  lock.unlock();
  done(text(std::move(body)));
}

// -- polling ------------------------------------------------------------------

void eio_session::poll(reply_fn done) {
  std::unique_lock lock(mtx_);
  if (closed_) {
    lock.unlock();
    return done(failure(400, eio::failure::unknown_sid, "Session ID unknown"));
  }
  if (ws_) {
    lock.unlock();
    return done(failure(400, eio::failure::bad_request, "the session is on its WebSocket now"));
  }
  if (waiting_) {
    // Two GETs at once: the protocol calls that an error, and ends it.
    lock.unlock();
    end(close_code::lost, "two polls at once");
    return done(failure(400, eio::failure::bad_request, "overlapping polls"));
  }
  if (!pending_.empty()) {
    auto body = take_payload();
    lock.unlock();
    return done(text(std::move(body)));
  }
  if (probe_ && probed_) {
    // Upgrading: the client waits for this poll to end before it sends
    // "5"; held, it would wait for the next ping. A GET that reaches the
    // holder after the probe (relayed from another node, say) ends at once.
    lock.unlock();
    return done(text("6"));
  }
  waiting_ = std::move(done);
}

void eio_session::post(std::string body, reply_fn done) {
  if (closed()) return done(failure(400, eio::failure::unknown_sid, "Session ID unknown"));
  if (static_cast<int64_t>(body.size()) > reg_.max_payload()) {
    end(close_code::too_big, "payload too large");
    return done(api_response{413, eio::failure_body(eio::failure::bad_request, "payload too large")});
  }
  auto packets = eio::decode_payload(body, max_post_packets);
  if (!packets) {
    end(close_code::policy, "malformed payload");
    return done(failure(400, eio::failure::bad_request, "malformed payload"));
  }
  for (auto& p : *packets) on_packet(p, nullptr);
  done(text("ok"));
}

// -- the WebSocket transport --------------------------------------------------

void eio_session::transport_opened(const connection_ptr& ws) {
  std::unique_lock lock(mtx_);
  if (closed_) {
    lock.unlock();
    return ws->close(close_code::normal, "session closed");
  }
  if (ws_only_ && !ws_) {
    ws_ = ws;
    return;
  }
  if (ws_ || probe_) {
    lock.unlock();
    return ws->close(close_code::policy, "the session has a WebSocket already");
  }
  probe_ = ws;
}

void eio_session::transport_text(connection& ws, std::string& t) {
  auto p = eio::decode(t);
  if (!p) return ws.close(close_code::policy, "not an Engine.IO packet");
  std::unique_lock lock(mtx_);
  if (probe_.get() == &ws) {
    // The upgrade: "2probe" is answered on the probe itself; "5" makes it
    // the transport, and what polling had queued goes first, in order.
    if (p->type == eio::type::ping && p->data == "probe") {
      probed_ = true;
      auto probe = probe_;
      reply_fn done = std::move(waiting_);
      waiting_ = nullptr;
      lock.unlock();
      probe->send(std::make_shared<const std::string>("3probe"));
      // The waiting GET ends with a noop so the client can pause polling.
      if (done) done(text("6"));
      return;
    }
    if (p->type == eio::type::upgrade) {
      ws_ = std::move(probe_);
      probe_ = nullptr;
      probed_ = false;
      reply_fn done = std::move(waiting_);
      waiting_ = nullptr;
      for (auto& q : pending_) ws_->send(std::make_shared<const std::string>(std::move(q)));
      pending_.clear();
      pending_bytes_ = 0;
      lock.unlock();
      if (done) done(text("6"));
      return;
    }
    lock.unlock();
    return ws.close(close_code::policy, "a probe sends 2probe, then 5");
  }
  if (ws_.get() != &ws) return;
  lock.unlock();
  on_packet(*p, &ws);
}

void eio_session::transport_binary(connection& ws) {
  std::unique_lock lock(mtx_);
  if (ws_.get() != &ws) return;
  if (skip_binary_ > 0) --skip_binary_;  // an attachment of a refused packet
}

void eio_session::transport_closed(connection& ws) {
  std::unique_lock lock(mtx_);
  if (probe_.get() == &ws) {
    probe_ = nullptr;  // a failed upgrade: polling goes on
    probed_ = false;
    return;
  }
  if (ws_.get() != &ws) return;
  ws_ = nullptr;
  lock.unlock();
  end(ws.closed_with() ? ws.closed_with() : 1006, "transport closed");
}

void eio_session::ws_opened(const std::shared_ptr<ws_session>& ws) { transport_opened(ws); }
void eio_session::ws_text(ws_session& ws, std::string& text) { transport_text(ws, text); }
void eio_session::ws_binary(ws_session& ws) { transport_binary(ws); }
void eio_session::ws_closed(ws_session& ws) { transport_closed(ws); }

// -- packets --------------------------------------------------------------------

void eio_session::on_packet(eio::packet& p, connection* via) {
  switch (p.type) {
    case eio::type::pong: {
      std::lock_guard lock(mtx_);
      awaiting_pong_ = false;
      return;
    }
    case eio::type::close: return end(close_code::normal, "client closed");
    case eio::type::message:
      if (p.binary) {
        std::lock_guard lock(mtx_);
        if (skip_binary_ > 0) --skip_binary_;
        return;
      }
      return on_socketio(p);
    case eio::type::ping:
      // v4 clients do not ping; a v3 habit is answered anyway.
      if (via) via->send(std::make_shared<const std::string>("3" + p.data));
      else send("3" + p.data);
      return;
    default: return;  // open, upgrade, noop: nothing to do
  }
}

void eio_session::on_socketio(eio::packet& p) {
  auto d = sio::decode(p.data);
  if (!d.p) {
    spdlog::debug("eio {}: {}", sid_, d.problem);
    // No namespace can be trusted from it: the event goes to the main one.
    send(sio::event("/", "error", wire::error_frame({errc::bad_frame, d.problem})));
    return;
  }
  auto& sp = *d.p;
  std::shared_ptr<sio_socket> sock;
  {
    std::lock_guard lock(mtx_);
    if (sp.type == sio::type::binary_event || sp.type == sio::type::binary_ack) skip_binary_ += sp.attachments;
    sock = socket_of(sp.nsp);
  }
  switch (sp.type) {
    case sio::type::connect:
      if (sock) return;  // connected already
      return sio_connect(shared_from_this(), sp.nsp, sp.data);
    case sio::type::disconnect:
      if (!sock) return;
      forget(sp.nsp);
      return sock->ended(close_code::normal);
    case sio::type::event: {
      if (!sock) return;  // not connected to it: ignored, as Socket.IO does
      auto call = sio::event_of(sp.data);
      wire::parsed f;
      std::string req_id = sp.ack ? std::to_string(*sp.ack) : std::string{};
      if (!call) f.failure = wire::parse_error{{errc::bad_frame, "an event is an array starting with its name"}, req_id};
      else f = sio::native_frame(sp, *call, sock->lightpush(), srv_.lim.max_targets);
      if (f.frame) return sock->frame(std::move(*f.frame));
      sock->send(std::make_shared<const std::string>(wire::failure(f.failure->req_id, f.failure->err)));
      return;
    }
    case sio::type::binary_event:
      if (!sock) return;
      sock->send(std::make_shared<const std::string>(wire::failure(
        sp.ack ? std::to_string(*sp.ack) : std::string{},
        {errc::bad_frame, "binary attachments are not supported: send JSON (base64 for bytes)"})));
      return;
    default: return;  // acks of server emits (herald asks for none), binary acks
  }
}

std::shared_ptr<sio_socket> eio_session::socket_of(const std::string& nsp) const {
  for (auto& s : sockets_)
    if (s->nsp() == nsp) return s;
  return nullptr;
}

bool eio_session::adopt(const std::string& nsp, std::shared_ptr<sio_socket> s) {
  std::lock_guard lock(mtx_);
  if (closed_ || socket_of(nsp) || sockets_.size() >= max_sockets) return false;
  sockets_.push_back(std::move(s));
  return true;
}

void eio_session::forget(const std::string& nsp) {
  std::lock_guard lock(mtx_);
  for (auto i = sockets_.begin(); i != sockets_.end(); ++i)
    if ((*i)->nsp() == nsp) {
      sockets_.erase(i);
      return;
    }
}

// -- heartbeat and end --------------------------------------------------------

void eio_session::heartbeat() {
  std::unique_lock lock(mtx_);
  if (closed_) return;
  if (awaiting_pong_) {
    lock.unlock();
    spdlog::debug("eio {} closed: no pong", sid_);
    return end(close_code::lost, "ping timeout");
  }
  awaiting_pong_ = true;
  lock.unlock();
  send("2");
}

void eio_session::end(uint16_t code, const char* why) {
  std::unique_lock lock(mtx_);
  if (closed_) return;
  closed_ = true;
  auto sockets = std::move(sockets_);
  sockets_.clear();
  auto ws = std::move(ws_);
  auto probe = std::move(probe_);
  ws_ = probe_ = nullptr;
  reply_fn done = std::move(waiting_);
  waiting_ = nullptr;
  pending_.clear();
  lock.unlock();
  spdlog::debug("eio {} ended: {} ({})", sid_, why, code);
  for (auto& s : sockets) s->ended(code);
  // The client hears a close packet where it still listens.
  if (ws) {
    ws->send(std::make_shared<const std::string>("1"));
    ws->close(code == close_code::lost ? close_code::normal : code, why);
  }
  if (probe) probe->close(close_code::normal, why);
  if (done) done(text("1"));
  reg_.remove(sid_);
}

}  // namespace herald
