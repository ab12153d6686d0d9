#include "net/cluster_tunnel.hpp"

#include <dirent.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "net/tls.hpp"

namespace herald {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr size_t pipe_buffer = 16384;
constexpr auto handshake_time = std::chrono::seconds(10);

// One carried connection: TLS on one socket, CAF's plain loopback socket
// on the other, bytes copied both ways until either side ends. All of it
// on the TLS socket's strand.
class tls_pipe : public std::enable_shared_from_this<tls_pipe> {
 public:
  tls_pipe(tcp::socket tls_side, ssl_ptr ssl)
      : tls_(std::move(tls_side)), ssl_(std::move(ssl)), plain_(tls_.get_executor()), deadline_(tls_.get_executor()) {}

  tcp::socket& plain() { return plain_; }

  // The handshake, bounded; then `then` (not called when it fails).
  template <class Then>
  void shake_hands(Then then) {
    deadline_.expires_after(handshake_time);
    deadline_.async_wait([w = weak_from_this()](error_code ec) {
      if (auto self = w.lock(); self && !ec) self->close("handshake", net::error::timed_out);
    });
    step_handshake(std::move(then));
  }

  // Both directions at once.
  void run() {
    error_code ec;
    plain_.set_option(tcp::no_delay(true), ec);
    tls_.set_option(tcp::no_delay(true), ec);
    tls_to_plain();
    plain_to_tls();
  }

  void close(const char* where, error_code ec) {
    if (closed_) return;
    closed_ = true;
    deadline_.cancel();
    if (ec && ec != net::error::eof && ec != net::error::operation_aborted)
      spdlog::debug("cluster tunnel: {}: {}", where, ec.message());
    tls::notify_close(ssl_.get());
    error_code ignored;
    tls_.close(ignored);
    plain_.close(ignored);
  }

 private:
  template <class F>
  void wait(tls::want w, F f) {
    tls_.async_wait(w == tls::want::read ? tcp::socket::wait_read : tcp::socket::wait_write, std::move(f));
  }

  template <class Then>
  void step_handshake(Then then) {
    if (closed_) return;
    auto r = tls::handshake(ssl_.get());
    if (r.w != tls::want::nothing)
      return wait(r.w, [self = shared_from_this(), then = std::move(then)](error_code ec) mutable {
        if (ec) return self->close("handshake", ec);
        self->step_handshake(std::move(then));
      });
    if (r.ec) return close("handshake (a peer without a certificate of the cluster CA?)", r.ec);
    deadline_.cancel();
    then();
  }

  void tls_to_plain() {
    if (closed_) return;
    auto r = tls::read(ssl_.get(), in_.data(), in_.size());
    if (r.w != tls::want::nothing)
      return wait(r.w, [self = shared_from_this()](error_code ec) {
        if (ec) return self->close("tls read", ec);
        self->tls_to_plain();
      });
    if (r.ec) return close("tls read", r.ec);
    net::async_write(plain_, net::buffer(in_.data(), r.n), [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->close("plain write", ec);
      self->tls_to_plain();
    });
  }

  void plain_to_tls() {
    if (closed_) return;
    plain_.async_read_some(net::buffer(out_), [self = shared_from_this()](error_code ec, size_t n) {
      if (ec) return self->close("plain read", ec);
      self->out_len_ = n;
      self->out_at_ = 0;
      self->write_tls();
    });
  }

  // Retried with the same bytes, as OpenSSL wants.
  void write_tls() {
    if (closed_) return;
    while (out_at_ < out_len_) {
      auto r = tls::write(ssl_.get(), out_.data() + out_at_, out_len_ - out_at_);
      if (r.w != tls::want::nothing)
        return wait(r.w, [self = shared_from_this()](error_code ec) {
          if (ec) return self->close("tls write", ec);
          self->write_tls();
        });
      if (r.ec) return close("tls write", r.ec);
      out_at_ += r.n;
    }
    plain_to_tls();
  }

  tcp::socket tls_;
  ssl_ptr ssl_;
  tcp::socket plain_;
  net::steady_timer deadline_;
  std::array<char, pipe_buffer> in_{};
  std::array<char, pipe_buffer> out_{};
  size_t out_len_ = 0, out_at_ = 0;
  bool closed_ = false;
};

// Whether 127.0.0.1:port is the local end of a socket of this process
// (/proc/self/net/tcp gives the inode, /proc/self/fd whether it is ours):
// a dial port carries connections from this process only.
bool own_loopback_socket(uint16_t port) {
  char want[16];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  std::ifstream table("/proc/self/net/tcp");
  std::string line, inode;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream in(line);
    std::string sl, local, remote, st, queues, tr, retr, uid, timeout, ino;
    in >> sl >> local >> remote >> st >> queues >> tr >> retr >> uid >> timeout >> ino;
    if (local == want) {
      inode = "socket:[" + ino + "]";
      break;
    }
  }
  if (inode.empty()) return false;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return false;
  bool found = false;
  while (auto* e = readdir(d)) {
    std::string path = std::string("/proc/self/fd/") + e->d_name;
    char target[64];
    auto n = readlink(path.c_str(), target, sizeof target - 1);
    if (n > 0 && inode.compare(0, std::string::npos, target, static_cast<size_t>(n)) == 0) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

}  // namespace

struct cluster_tunnel::impl : std::enable_shared_from_this<cluster_tunnel::impl> {
  net::io_context& io;
  tcp::acceptor acceptor;
  uint16_t caf_port;
  std::shared_ptr<tls_context> server_ctx, client_ctx;
  bool stopped = false;

  impl(net::io_context& i, uint16_t cp) : io(i), acceptor(i), caf_port(cp) {}

  void accept() {
    acceptor.async_accept(net::make_strand(io), [self = shared_from_this()](error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) self->inbound(std::move(s));
      self->accept();
    });
  }

  // A member, or a stranger, dialled cluster_listen: TLS first; CAF sees
  // the connection only once the peer's certificate checked out.
  void inbound(tcp::socket s) {
    error_code ec;
    s.non_blocking(true, ec);
    auto ssl = server_ctx->open_on(static_cast<int>(s.native_handle()));
    if (!ssl) return;
    auto pipe = std::make_shared<tls_pipe>(std::move(s), std::move(ssl));
    pipe->shake_hands([pipe, port = caf_port] {
      pipe->plain().async_connect(tcp::endpoint(net::ip::address_v4::loopback(), port), [pipe](error_code ec) {
        if (ec) return pipe->close("connect to CAF", ec);
        pipe->run();
      });
    });
  }

  // CAF's connection to the one-shot port: carried to host:port over TLS.
  void outbound(tcp::socket from_caf, const std::string& host, uint16_t port) {
    auto ex = net::make_strand(io);
    auto remote = std::make_shared<tcp::socket>(ex);
    auto resolver = std::make_shared<tcp::resolver>(ex);
    auto caf = std::make_shared<tcp::socket>(std::move(from_caf));
    auto self = shared_from_this();
    resolver->async_resolve(host, std::to_string(port), [self, resolver, remote, caf](error_code ec, auto results) {
      if (ec) return;
      net::async_connect(*remote, results, [self, remote, caf](error_code ec, const tcp::endpoint&) {
        if (ec) return;
        error_code e2;
        remote->non_blocking(true, e2);
        auto ssl = self->client_ctx->open_on(static_cast<int>(remote->native_handle()));
        if (!ssl) return;
        auto pipe = std::make_shared<tls_pipe>(std::move(*remote), std::move(ssl));
        // The CAF side moves to the pipe's strand through its descriptor.
        error_code e3;
        auto fd = caf->release(e3);
        if (e3) return;
        pipe->plain().assign(tcp::v4(), fd, e3);
        if (e3) return;
        pipe->shake_hands([pipe] { pipe->run(); });
      });
    });
  }
};

result<std::shared_ptr<cluster_tunnel>> cluster_tunnel::start(net::io_context& io, const std::string& listen_host,
                                                              uint16_t listen_port, uint16_t caf_port,
                                                              const cluster_tls_files& files) {
  auto p = std::make_shared<impl>(io, caf_port);
  auto s = tls_context::server(files.cert, files.key, files.ca);
  if (!s) return s.err();
  auto c = tls_context::client(files.ca, files.cert, files.key);
  if (!c) return c.err();
  p->server_ctx = std::move(s.value());
  p->client_ctx = std::move(c.value());
  error_code ec;
  auto addr = net::ip::make_address(listen_host.empty() ? "0.0.0.0" : listen_host, ec);
  if (ec) {
    tcp::resolver r{io};
    auto found = r.resolve(listen_host, std::to_string(listen_port), ec);
    if (ec || found.empty()) return error{errc::bad_request, "node.cluster_listen: cannot resolve " + listen_host};
    addr = found.begin()->endpoint().address();
  }
  tcp::endpoint ep{addr, listen_port};
  p->acceptor.open(ep.protocol(), ec);
  if (!ec) p->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) p->acceptor.bind(ep, ec);
  if (!ec) p->acceptor.listen(128, ec);
  if (ec) return error{errc::unavailable, "cannot listen for the cluster on port " + std::to_string(listen_port) + ": " + ec.message()};
  net::post(io, [p] { p->accept(); });
  return std::shared_ptr<cluster_tunnel>(new cluster_tunnel(std::move(p)));
}

cluster_tunnel::~cluster_tunnel() { stop(); }

void cluster_tunnel::stop() {
  net::post(impl_->io, [p = impl_] {
    error_code ec;
    p->acceptor.close(ec);
  });
}

result<uint16_t> cluster_tunnel::dial_port(const std::string& host, uint16_t port) {
  auto acc = std::make_shared<tcp::acceptor>(net::make_strand(impl_->io));
  error_code ec;
  tcp::endpoint ep{net::ip::address_v4::loopback(), 0};
  acc->open(ep.protocol(), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(1, ec);
  if (ec) return error{errc::unavailable, "cannot open a dial port: " + ec.message()};
  auto local = acc->local_endpoint(ec).port();
  auto timer = std::make_shared<net::steady_timer>(acc->get_executor(), handshake_time);
  auto p = impl_;
  net::post(acc->get_executor(), [acc, timer, p, host, port] {
    timer->async_wait([acc](error_code e) {
      if (e) return;
      error_code ignored;
      acc->close(ignored);  // nobody came
    });
    acc->async_accept([acc, timer, p, host, port](error_code ec, tcp::socket s) {
      timer->cancel();
      error_code ignored;
      acc->close(ignored);  // one shot
      if (ec) return;
      auto peer = s.remote_endpoint(ignored);
      if (ignored || !own_loopback_socket(peer.port())) {
        spdlog::warn("cluster tunnel: a dial port was reached by another process (port {}); closed", peer.port());
        return;
      }
      p->outbound(std::move(s), host, port);
    });
  });
  return local;
}

}  // namespace herald
