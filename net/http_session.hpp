#pragma once
// One HTTP connection: reads requests (bounded), answers API calls, and
// hands WebSocket upgrades that pass auth to a ws_session. Internal to net/.
// Over a plain beast::tcp_stream, or a tls_stream (net/tls.hpp) that
// shakes hands first; both are instantiated in the .cpp.
#include <map>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/auth_client.hpp"
#include "net/eio_session.hpp"
#include "net/server_state.hpp"
#include "net/token.hpp"
#include "net/tls.hpp"
#include "net/web_assets.hpp"

namespace herald {

class ws_session;

template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
 public:
  template <class... Args>
  http_session(server_state& srv, Args&&... stream_args) : stream_(std::forward<Args>(stream_args)...), srv_(srv) {}
  void run();

 private:
  void do_read();
  void read_next();  // do_read, once the node's delivery backlog allows
  void on_read(boost::beast::error_code ec, std::size_t n);
  void upgrade(boost::beast::http::request<boost::beast::http::string_body> req);
  void respond(api_response res, bool keep_alive);
  void refuse(const error& e, const std::string& reason_label);
  // The connect callback's part of an upgrade (a namespace with auth_url).
  void ask_connect(boost::beast::http::request<boost::beast::http::string_body> req,
                   std::map<std::string, std::string> query, const namespace_settings& settings, std::string tok,
                   std::string client, std::string meta);
  void connected(const boost::beast::http::request<boost::beast::http::string_body>& req, const std::string& ns,
                 const std::string& tok, std::string client, std::string meta, connect_verdict v);
  // Hands the authenticated upgrade to a ws_session; `rooms` are joined at once.
  void admit(const boost::beast::http::request<boost::beast::http::string_body>& req, const std::string& ns,
             token::claims who, std::string client, std::vector<std::string> rooms, std::string meta);
  // The Socket.IO endpoint (net/eio_registry.hpp): polling, and upgrades.
  void eio_poll(boost::beast::http::request<boost::beast::http::string_body> req,
                std::map<std::string, std::string> query, std::string cors);
  void eio_upgrade(boost::beast::http::request<boost::beast::http::string_body> req,
                   std::map<std::string, std::string> query);
  eio_handshake handshake_of(const boost::beast::http::request<boost::beast::http::string_body>& req,
                             std::map<std::string, std::string> query);
  std::shared_ptr<ws_session> take_websocket();
  std::string take_early();
  void serve_asset(const web_asset& a, const boost::beast::http::request<boost::beast::http::string_body>& req);
  void shutdown();
  // Half-closes and reads what the peer still sends, for a bounded time,
  // before closing: see linger in the .cpp.
  void linger();
  void discard();

  void start_reading();
  const std::string& peer_address();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  server_state& srv_;
  unsigned version_ = 11;
  std::string out_;  // the answer being written
  std::string peer_;  // the peer's address, once asked (peer_address)
  bool peer_known_ = false;
  std::unique_ptr<char[]> scrap_;  // only while lingering: what is read to be dropped
};

using plain_http_session = http_session<boost::beast::tcp_stream>;
using tls_http_session = http_session<tls_stream>;

}  // namespace herald
