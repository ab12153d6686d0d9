#include "net/http_client.hpp"

#include <memory>

#include <atomic>
#include <mutex>

#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/tls.hpp"

namespace herald {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// What a callback may answer: enough for any JSON verdict, and no more.
constexpr size_t max_reply_body = 64 * 1024;

std::mutex outbound_mtx;
std::shared_ptr<const tls_context> outbound_ctx;

std::shared_ptr<const tls_context> outbound_tls() {
  std::lock_guard lock(outbound_mtx);
  return outbound_ctx;
}

class post_call : public std::enable_shared_from_this<post_call> {
 public:
  post_call(net::io_context& io, std::function<void(result<http_reply>)> done)
      : strand_(net::make_strand(io)), resolver_(strand_), stream_(strand_), deadline_(strand_), done_(std::move(done)) {}

  void start(const http_url& url, std::string body, http_headers headers, std::chrono::milliseconds timeout) {
    url_ = url;
    req_.method(http::verb::post);
    req_.target(url.target);
    req_.version(11);
    req_.set(http::field::host, url.host.find(':') != std::string::npos
                                  ? "[" + url.host + "]:" + std::to_string(url.port)
                                  : url.host + ":" + std::to_string(url.port));
    req_.set(http::field::user_agent, "herald");
    req_.set(http::field::content_type, "application/json");
    req_.set(http::field::connection, "close");
    for (auto& [k, v] : headers) req_.set(k, v);
    req_.body() = std::move(body);
    req_.prepare_payload();
    parser_.body_limit(max_reply_body);
    auto self = shared_from_this();
    net::dispatch(strand_, [self, url, timeout] {
      self->deadline_.expires_after(timeout);
      self->deadline_.async_wait([self](beast::error_code ec) {
        if (ec) return;  // cancelled: the call finished first
        self->finish(error{errc::unavailable, "no answer within the timeout"});
      });
      self->resolver_.async_resolve(url.host, std::to_string(url.port),
                                    [self](beast::error_code ec, tcp::resolver::results_type r) {
                                      if (ec) return self->finish(error{errc::unavailable, "cannot resolve: " + ec.message()});
                                      self->connect(r);
                                    });
    });
  }

 private:
  void connect(const tcp::resolver::results_type& r) {
    if (done_ == nullptr) return;
    stream_.async_connect(r, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->finish(error{errc::unavailable, "cannot connect: " + ec.message()});
      if (!self->url_.tls) return self->exchange(self->stream_);
      self->secure();
    });
  }

  // https: the certificate must chain to hook_ca and name the URL's host.
  void secure() {
    auto ctx = outbound_tls();
    if (!ctx) return finish(error{errc::unavailable, "https needs [node] hook_ca (no CA bundle)"});
    tls_ = std::make_unique<tls_stream>(stream_.release_socket(), *ctx);
    auto* ssl = tls_->ssl();
    if (!ssl) return finish(error{errc::unavailable, "cannot start TLS"});
    boost::system::error_code ec;
    net::ip::make_address(url_.host, ec);
    if (ec) {  // a name: SNI and the name check
      SSL_set_tlsext_host_name(ssl, url_.host.c_str());
      SSL_set1_host(ssl, url_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str());
    }
    tls_->async_handshake([self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        auto why = X509_verify_cert_error_string(SSL_get_verify_result(self->tls_->ssl()));
        return self->finish(error{errc::unavailable, "TLS handshake failed: " + ec.message() + " (" + why + ")"});
      }
      self->exchange(*self->tls_);
    });
  }

  template <class Stream>
  void exchange(Stream& s) {
    http::async_write(s, req_, [self = shared_from_this(), &s](beast::error_code ec, size_t) {
      if (ec) return self->finish(error{errc::unavailable, "cannot send: " + ec.message()});
      http::async_read(s, self->buf_, self->parser_, [self](beast::error_code ec, size_t) {
        if (ec) return self->finish(error{errc::unavailable, "no valid answer: " + ec.message()});
        auto& res = self->parser_.get();
        self->finish(http_reply{res.result_int(), std::move(res.body())});
      });
    });
  }

  void finish(result<http_reply> r) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    deadline_.cancel();
    resolver_.cancel();
    beast::error_code ec;
    if (tls_) tls_->close();
    else stream_.socket().close(ec);
    done(std::move(r));
  }

  net::strand<net::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  net::steady_timer deadline_;
  http::request<http::string_body> req_;
  http::response_parser<http::string_body> parser_;
  beast::flat_buffer buf_;
  std::function<void(result<http_reply>)> done_;
  http_url url_;
  std::unique_ptr<tls_stream> tls_;  // https, once connected
};

}  // namespace

void http_post(net::io_context& io, const http_url& url, std::string body, http_headers headers,
               std::chrono::milliseconds timeout, std::function<void(result<http_reply>)> done) {
  auto call = std::make_shared<post_call>(io, std::move(done));
  call->start(url, std::move(body), std::move(headers), timeout);
}

void set_outbound_tls(std::shared_ptr<const tls_context> ctx) {
  std::lock_guard lock(outbound_mtx);
  outbound_ctx = std::move(ctx);
}

void post_signed(net::io_context& io, const std::vector<std::string>& hook_hosts, const std::string& url,
                 std::string body, const std::string& key, std::chrono::milliseconds timeout,
                 std::function<void(result<unsigned>)> done) {
  auto u = parse_http_url(url);
  if (!u || !host_allowed(u->host, hook_hosts))
    return done(error{errc::unavailable, "the URL " + url + " is not allowed by [node] hook_hosts"});
  http_headers headers{{"X-Herald-Signature", hmac_signature(key, body)}};
  http_post(io, *u, std::move(body), std::move(headers), timeout, [done = std::move(done)](result<http_reply> r) {
    if (!r) return done(r.err());
    done(r.value().status);
  });
}

std::string hmac_signature(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 0xf];
  }
  return out;
}

}  // namespace herald
