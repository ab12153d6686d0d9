#pragma once
// One HTTP connection: reads requests (bounded), answers API calls, and
// hands WebSocket upgrades that pass auth to a ws_session. Internal to net/.
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/server_state.hpp"

namespace herald {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(boost::asio::ip::tcp::socket&& socket, server_state& srv);
  void run();

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void upgrade(boost::beast::http::request<boost::beast::http::string_body> req);
  void respond(api_response res, bool keep_alive);
  void refuse(const error& e, const std::string& reason_label);
  void shutdown();
  // Half-closes and reads what the peer still sends, for a bounded time,
  // before closing: see linger in the .cpp.
  void linger();
  void discard();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  server_state& srv_;
  unsigned version_ = 11;
  std::string out_;  // the answer being written
  std::unique_ptr<char[]> scrap_;  // only while lingering: what is read to be dropped
};

}  // namespace herald
