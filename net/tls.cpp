#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include <boost/asio/error.hpp>

namespace herald {

void ssl_free_fn::operator()(SSL* s) const { SSL_free(s); }

namespace {
std::string openssl_error() {
  auto e = ERR_get_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// What servers and clients share: TLS 1.2 or later, and the modes.
// RELEASE_BUFFERS: an idle connection gives its record buffers back.
// PARTIAL_WRITE + MOVING_WRITE_BUFFER: a write may take part of what it
// is given, and a retry may come from another address with the same bytes.
SSL_CTX* new_context(const SSL_METHOD* method) {
  SSL_CTX* c = SSL_CTX_new(method);
  if (!c) return nullptr;
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return c;
}

// The certificate chain and its key, checked to match.
status use_identity(SSL_CTX* c, const std::string& cert_file, const std::string& key_file) {
  if (SSL_CTX_use_certificate_chain_file(c, cert_file.c_str()) != 1)
    return error{errc::bad_request, "cannot read the TLS certificate " + cert_file + ": " + openssl_error()};
  if (SSL_CTX_use_PrivateKey_file(c, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return error{errc::bad_request, "cannot read the TLS key " + key_file + ": " + openssl_error()};
  if (SSL_CTX_check_private_key(c) != 1)
    return error{errc::bad_request, "the TLS key " + key_file + " does not match the certificate " + cert_file};
  return ok();
}

// Peers must present a certificate of the CAs in `ca_file` (`mode`: the
// SSL_VERIFY_* flags).
status verify_peers(SSL_CTX* c, const std::string& ca_file, int mode) {
  if (SSL_CTX_load_verify_locations(c, ca_file.c_str(), nullptr) != 1)
    return error{errc::bad_request, "cannot read the CA file " + ca_file + ": " + openssl_error()};
  SSL_CTX_set_verify(c, mode, nullptr);
  return ok();
}
}  // namespace

result<std::shared_ptr<tls_context>> tls_context::server(const std::string& cert_file, const std::string& key_file,
                                                         const std::string& client_ca) {
  SSL_CTX* c = new_context(TLS_server_method());
  if (!c) return error{errc::internal, "cannot make a TLS context: " + openssl_error()};
  std::shared_ptr<tls_context> ctx(new tls_context(c, false));
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // No server-side session cache: each cached session is ~1 KB more per
  // client, and a push server's clients reconnect rarely; TLS 1.3 clients
  // still resume with the stateless tickets.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  if (auto st = use_identity(c, cert_file, key_file); !st) return st.err();
  if (!client_ca.empty())
    if (auto st = verify_peers(c, client_ca, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT); !st) return st.err();
  return ctx;
}

result<std::shared_ptr<tls_context>> tls_context::client(const std::string& ca_file, const std::string& cert_file,
                                                         const std::string& key_file) {
  SSL_CTX* c = new_context(TLS_client_method());
  if (!c) return error{errc::internal, "cannot make a TLS context: " + openssl_error()};
  std::shared_ptr<tls_context> ctx(new tls_context(c, true));
  if (auto st = verify_peers(c, ca_file, SSL_VERIFY_PEER); !st) return st.err();
  if (!cert_file.empty())
    if (auto st = use_identity(c, cert_file, key_file); !st) return st.err();
  return ctx;
}

tls_context::~tls_context() { SSL_CTX_free(ctx_); }

ssl_ptr tls_context::open_on(int fd) const {
  ssl_ptr s(SSL_new(ctx_));
  if (s) {
    SSL_set_fd(s.get(), fd);
    if (client_) SSL_set_connect_state(s.get());
    else SSL_set_accept_state(s.get());
  }
  return s;
}

namespace tls {

namespace {
io_result outcome(SSL* s, int rc, size_t n) {
  if (rc > 0) return {{}, n, want::nothing};
  switch (SSL_get_error(s, rc)) {
    case SSL_ERROR_WANT_READ: return {boost::asio::error::would_block, 0, want::read};
    case SSL_ERROR_WANT_WRITE: return {boost::asio::error::would_block, 0, want::write};
    case SSL_ERROR_ZERO_RETURN: return {boost::asio::error::eof, 0, want::nothing};
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      return {errno != 0 ? boost::system::error_code(errno, boost::system::system_category())
                         : boost::system::error_code(boost::asio::error::eof),
              0, want::nothing};
    default:
      ERR_clear_error();  // a bad record, a failed handshake: the connection is over
      return {boost::asio::error::connection_aborted, 0, want::nothing};
  }
}
}  // namespace

io_result read(SSL* s, void* data, size_t size) {
  if (!s) return {boost::asio::error::bad_descriptor, 0, want::nothing};
  size_t n = 0;
  errno = 0;
  int rc = SSL_read_ex(s, data, size, &n);
  return outcome(s, rc, n);
}

io_result write(SSL* s, const void* data, size_t size) {
  if (!s) return {boost::asio::error::bad_descriptor, 0, want::nothing};
  if (size == 0) return {};
  size_t n = 0;
  errno = 0;
  int rc = SSL_write_ex(s, data, size, &n);
  return outcome(s, rc, n);
}

io_result write_gathered(SSL* s, const boost::asio::const_buffer* from, const boost::asio::const_buffer* to) {
  thread_local std::vector<char> gather(16384);
  size_t len = 0;
  for (auto* b = from; b != to && len < gather.size(); ++b) {
    auto k = std::min(b->size(), gather.size() - len);
    std::memcpy(gather.data() + len, b->data(), k);
    len += k;
  }
  return write(s, gather.data(), len);
}

io_result handshake(SSL* s) {
  if (!s) return {boost::asio::error::bad_descriptor, 0, want::nothing};
  errno = 0;
  return outcome(s, SSL_do_handshake(s), 0);
}

void notify_close(SSL* s) {
  if (!s || !SSL_is_init_finished(s)) return;
  SSL_shutdown(s);
  ERR_clear_error();
}

}  // namespace tls

tls_stream::tls_stream(boost::asio::ip::tcp::socket&& s, const tls_context& ctx)
    : socket_(std::move(s)), timer_(socket_.get_executor()) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  ssl_ = ctx.open_on(static_cast<int>(socket_.native_handle()));
}

void tls_stream::expires_after(std::chrono::steady_clock::duration d) {
  timed_out_ = false;
  timer_.expires_after(d);
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired()) return;  // cancelled, re-armed, or the stream is gone
    timed_out_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  });
}

void tls_stream::expires_never() { timer_.cancel(); }

void tls_stream::close() {
  timer_.cancel();
  tls::notify_close(ssl_.get());
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace herald
