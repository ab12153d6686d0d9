#include "net/server.hpp"

#include "net/auth_client.hpp"

#include <pthread.h>

#include <sys/resource.h>

#include <future>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "actors/names.hpp"
#include "net/event_loop.hpp"
#include "net/thread_priority.hpp"
#include "net/http_session.hpp"
#include "net/tls.hpp"
#include "net/ws_session.hpp"

namespace herald {

int64_t server_state::gate_per_session() { return lowered_priority::available() ? 10 : 0; }

// With one Asio thread, handlers never run concurrently: no strand needed.
boost::asio::any_io_executor server_state::connection_executor(boost::asio::io_context& io) const {
  if (one_thread()) return io.get_executor();
  return boost::asio::make_strand(io);
}

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct server::impl {
  net::io_context& ioc;
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry{ioc};
  net::steady_timer heartbeat{ioc};
  net::steady_timer answers{ioc};
  server_state state;
  std::shared_ptr<tls_context> tls;  // null: plain HTTP and WebSocket

  impl(node& n, std::string admin_token, event_loop& loop)
      : ioc(loop.context()), state(n, std::move(admin_token)) {}

  // Every `heartbeat` seconds each live session pings (and drops a silent
  // peer): a bucket of them each second (net/ping_wheel.hpp).
  void sweep() {
    heartbeat.expires_after(std::chrono::seconds(1));
    heartbeat.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      std::vector<std::shared_ptr<ws_session>> due;
      {
        std::lock_guard lock(state.heartbeat_mtx);
        due = state.heartbeat_sessions.tick();
      }
      for (auto& p : due) p->heartbeat();
      sweep();
    });
  }

  // Calls past their deadline get their 503 (net/answer_deadlines.hpp).
  void expire_answers() {
    answers.expires_after(std::chrono::seconds(1));
    answers.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      state.routes.expire_answers();
      expire_answers();
    });
  }

  void do_accept() {
    acceptor.async_accept(state.connection_executor(ioc), [this](boost::system::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of file descriptors and the like: back off instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](boost::system::error_code e) {
          if (!e) do_accept();
        });
        return;
      }
      boost::system::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      if (tls) std::make_shared<tls_http_session>(state, std::move(s), *tls)->run();
      else std::make_shared<plain_http_session>(state, std::move(s))->run();
      do_accept();
    });
  }
};

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

server::~server() = default;

void server::close() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (impl_->state.session_objects.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (impl_->state.session_objects.load() > 0)
    spdlog::warn("{} WebSocket sessions still referenced at exit", impl_->state.session_objects.load());
  // A push's answer holds its HTTP connection: let the actors give or drop
  // the last ones while the executor they post to still runs.
  while (impl_->state.routes.answers_in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::promise<void> closed;
  net::post(impl_->ioc, [this, &closed] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    impl_->heartbeat.cancel();
    impl_->answers.cancel();
    impl_->retry.cancel();
    impl_->state.eio->end_all(close_code::going_away, "server shutting down");
    impl_->state.eio->stop();
    closed.set_value();
  });
  closed.get_future().wait();
}

server_state& server::state() { return impl_->state; }

result<std::unique_ptr<server>> server::start(node& n, listener_options o, event_loop& loop) {
  auto& listen = o.listen;
  auto hp = parse_host_port(listen);
  if (!hp) return error{errc::bad_request, "node.listen must be host:port (port 0..65535), got " + listen};
  std::shared_ptr<tls_context> tls;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty())
      return error{errc::bad_request, "node.tls_cert and node.tls_key go together: set both or neither"};
    auto t = tls_context::server(o.tls_cert, o.tls_key);
    if (!t) return t.err();
    tls = std::move(t.value());
  }
  auto p = std::make_unique<impl>(n, std::move(o.admin_token), loop);
  p->tls = std::move(tls);
  boost::system::error_code ec;
  auto addr = net::ip::make_address(hp->host.empty() ? "0.0.0.0" : hp->host, ec);
  tcp::endpoint ep{addr, hp->port};
  if (ec) {  // a name such as localhost: its first IPv4 address, else its first
    tcp::resolver resolver{loop.context()};
    auto found = resolver.resolve(hp->host, std::to_string(hp->port), ec);
    if (ec || found.empty()) return error{errc::bad_request, "node.listen: cannot resolve " + hp->host};
    ep = found.begin()->endpoint();
    for (auto& r : found)
      if (r.endpoint().address().is_v4()) {
        ep = r.endpoint();
        break;
      }
  }
  auto& a = p->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(4096, ec);  // somaxconn here
  if (ec) return error{errc::unavailable, "cannot listen on " + listen + ": " + ec.message()};
  p->state.io_threads = static_cast<unsigned>(loop.threads());
  p->state.sockets = &loop.sockets();
  if (p->state.gate.enabled())
    spdlog::info("big fan-outs' delayed writes run below the API; publishes wait while their backlog exceeds {} "
                 "frames per session", p->state.gate.per_session());
  else
    spdlog::info("threads cannot restore their priority (no CAP_SYS_NICE, RLIMIT_NICE < 20): big fan-outs' writes "
                 "run at the API's priority and publishes are not held by their backlog");
  p->state.write_delay_ms = o.write_delay_ms;
  p->state.ws_origins = std::move(o.ws_origins);
  p->state.cors = cors_policy(std::move(o.cors_origins));
  p->state.routes.set_demo_ns(o.demo_ns);
  p->state.eio = std::make_shared<eio_registry>(p->state, p->ioc, std::move(o.socketio));
  p->state.auth = std::make_shared<auth_client>(loop.context(), n.context()->hook_hosts, n.context()->stats,
                                                n.context()->lim.max_rooms);
  // The handlers start on the loop: it is running already.
  std::promise<void> started;
  net::post(p->ioc, [p = p.get(), &started] {
    p->do_accept();
    p->sweep();
    p->expire_answers();
    started.set_value();
  });
  started.get_future().wait();
  return std::unique_ptr<server>(new server(std::move(p)));
}

void server::wait_for_signal() {
  net::io_context sig_ioc;
  net::signal_set signals(sig_ioc, SIGINT, SIGTERM);
  int got = 0;
  signals.async_wait([&](boost::system::error_code, int s) { got = s; });
  sig_ioc.run();
  spdlog::info("signal {} received: shutting down", got);
}

void server::drain(const std::function<void()>& hand_off, std::chrono::milliseconds spread) {
  auto& st = impl_->state;
  st.routes.set_ready(false);
  st.stopping = true;  // new upgrades: 503
  hand_off();
  // Steps of 100 ms: each closes its share of what is still open.
  auto steps = static_cast<uint32_t>(std::max<int64_t>(1, spread.count() / 100));
  spdlog::info("drain: closing {} sessions over {} ms", st.sessions.load(), spread.count());
  for (uint32_t left = steps; left > 0 && st.sessions.load() > 0; --left) {
    st.n.close_share(close_code::going_away, "server shutting down", left);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void server::shutdown(int wait_ms) {
  auto& st = impl_->state;
  st.routes.set_ready(false);
  st.stopping = true;
  net::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    impl_->heartbeat.cancel();
  });
  st.n.close_all(close_code::going_away, "server shutting down");
  st.eio->end_all(close_code::going_away, "server shutting down");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (st.sessions.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (st.sessions.load() > 0) spdlog::warn("{} sessions still open at shutdown", st.sessions.load());
}

}  // namespace herald
