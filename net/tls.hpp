#pragma once
// TLS for the client listener ([node] tls_cert, tls_key): OpenSSL on the
// socket's own descriptor, non-blocking, rather than Asio's ssl::stream.
// Asio's stream keeps two 17 KB buffers per connection for its memory
// BIOs whether it is idle or not; on the descriptor, with
// SSL_MODE_RELEASE_BUFFERS, an idle connection holds no record buffer,
// and ws_session keeps its own readiness-driven reads and writes (wait for
// the socket, then SSL_read / SSL_write until they want more).
//
// tls_stream is the AsyncReadStream/AsyncWriteStream Beast's HTTP reader
// and writer use for the requests before an upgrade, with tcp_stream's
// timeouts; at the upgrade it hands its socket and SSL to the ws_session.
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/error.hpp>

#include "actors/errors.hpp"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace herald {

struct ssl_free_fn {
  void operator()(SSL* s) const;
};
using ssl_ptr = std::unique_ptr<SSL, ssl_free_fn>;

// A server's certificate chain and key, or a client's trusted CA; loaded once.
class tls_context {
 public:
  // PEM files: the chain (leaf first) and its private key. With
  // `client_ca`, a peer must present a certificate of that CA (mutual TLS).
  static result<std::shared_ptr<tls_context>> server(const std::string& cert_file, const std::string& key_file,
                                                     const std::string& client_ca = {});
  // A client that trusts the CAs in `ca_file` (PEM) and checks the chain
  // (not the host name: cluster members and herald-bench name addresses,
  // and the CA is the cluster's own); with a cert and key, it presents them.
  static result<std::shared_ptr<tls_context>> client(const std::string& ca_file, const std::string& cert_file = {},
                                                     const std::string& key_file = {});
  ~tls_context();
  // A new SSL on `fd` (already non-blocking), accepting or connecting as
  // the context is a server's or a client's.
  ssl_ptr open_on(int fd) const;

 private:
  tls_context(SSL_CTX* c, bool client) : ctx_(c), client_(client) {}
  SSL_CTX* ctx_;
  bool client_;
};

namespace tls {
// What a non-blocking SSL call needs before it can go on.
enum class want { nothing, read, write };
struct io_result {
  boost::system::error_code ec;  // would_block when `w` says what to wait for
  size_t n = 0;
  want w = want::nothing;
};
io_result read(SSL* s, void* data, size_t size);
io_result write(SSL* s, const void* data, size_t size);
io_result handshake(SSL* s);
// One record for many small buffers [from, to): up to 16 KB (a record's
// most) gathered and written. A retry after want-write gathers the same
// bytes again, as OpenSSL requires, as long as the caller moves the
// buffers only by what was written.
io_result write_gathered(SSL* s, const boost::asio::const_buffer* from, const boost::asio::const_buffer* to);

// Writes all of `bytes` from `at` on, waiting for `sock` as OpenSSL asks;
// then done(ec). `done` keeps the socket's owner alive.
template <class Done>
void async_write_all(boost::asio::ip::tcp::socket& sock, SSL* s, std::shared_ptr<const std::string> bytes, size_t at,
                     Done done) {
  while (at < bytes->size()) {
    auto r = write(s, bytes->data() + at, bytes->size() - at);
    if (r.w != want::nothing)
      return sock.async_wait(
        r.w == want::read ? boost::asio::ip::tcp::socket::wait_read : boost::asio::ip::tcp::socket::wait_write,
        [&sock, s, bytes, at, done = std::move(done)](boost::system::error_code ec) mutable {
          if (ec) return done(ec);
          async_write_all(sock, s, std::move(bytes), at, std::move(done));
        });
    if (r.ec) return done(r.ec);
    at += r.n;
  }
  done(boost::system::error_code{});
}
// Sends close_notify if it can at once; never waits.
void notify_close(SSL* s);
}  // namespace tls

class tls_stream {
 public:
  using executor_type = boost::asio::any_io_executor;

  tls_stream(boost::asio::ip::tcp::socket&& s, const tls_context& ctx);
  ~tls_stream() { alive_.reset(); }
  tls_stream(tls_stream&&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  // As beast::tcp_stream: an operation pending at the deadline fails with
  // beast::error::timeout.
  void expires_after(std::chrono::steady_clock::duration d);
  void expires_never();
  void close();
  // The upgrade: the ws_session takes both.
  boost::asio::ip::tcp::socket release_socket() { return std::move(socket_); }
  ssl_ptr release_ssl() { return std::move(ssl_); }
  SSL* ssl() const { return ssl_.get(); }

  template <class Handler>
  void async_handshake(Handler&& h) {
    attempt([this] { return tls::handshake(ssl_.get()); },
            [h = std::forward<Handler>(h)](boost::system::error_code ec, size_t) mutable { h(ec); });
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& b, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
      [this](auto handler, const Buffers& bufs) {
        auto buf = boost::beast::buffers_front(bufs);
        attempt([this, buf] { return tls::read(ssl_.get(), buf.data(), buf.size()); }, std::move(handler));
      },
      token, b);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& b, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
      [this](auto handler, const Buffers& bufs) {
        // One record for all of it (up to 16 KB), not one per piece: the
        // same bytes on every retry, as OpenSSL wants.
        auto out = std::make_shared<std::string>(std::min<size_t>(boost::asio::buffer_size(bufs), 16384), '\0');
        boost::asio::buffer_copy(boost::asio::buffer(*out), bufs);
        attempt([this, out] { return tls::write(ssl_.get(), out->data(), out->size()); }, std::move(handler));
      },
      token, b);
  }

 private:
  // Runs `op` now and again each time the socket is ready for what it
  // wants; completes `h` once, never inline.
  template <class Op, class Handler>
  void attempt(Op op, Handler h) {
    auto r = op();
    if (r.w == tls::want::nothing) {
      boost::asio::post(socket_.get_executor(), boost::beast::bind_front_handler(std::move(h), r.ec, r.n));
      return;
    }
    auto what = r.w == tls::want::read ? boost::asio::ip::tcp::socket::wait_read : boost::asio::ip::tcp::socket::wait_write;
    socket_.async_wait(what, [this, op = std::move(op), h = std::move(h)](boost::system::error_code ec) mutable {
      if (ec) return h(timed_out_ ? boost::system::error_code(boost::beast::error::timeout) : ec, size_t{0});
      attempt(std::move(op), std::move(h));
    });
  }

  boost::asio::ip::tcp::socket socket_;
  ssl_ptr ssl_;
  boost::asio::steady_timer timer_;
  bool timed_out_ = false;
  // The deadline's handler may be queued when the stream goes: it checks.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace herald
