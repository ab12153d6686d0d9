#include <catch2/catch.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

#include "net/http_response.hpp"

namespace http = boost::beast::http;

namespace {
// What Beast's serializer writes for the same answer (herald wrote these
// until render_response replaced it).
std::string beast_render(int status, const std::string& type, const std::string& body, unsigned version, bool keep) {
  http::response<http::string_body> msg{static_cast<http::status>(status), version};
  msg.set(http::field::server, "herald");
  msg.set(http::field::content_type, type);
  msg.keep_alive(keep);
  msg.body() = body;
  msg.prepare_payload();
  std::ostringstream os;
  os << msg;
  return os.str();
}
}  // namespace

TEST_CASE("render_response writes what Beast's serializer wrote", "[http]") {
  for (int status : {200, 201, 400, 401, 404, 409, 413, 429, 431, 500, 503})
    for (unsigned version : {10u, 11u})
      for (bool keep : {true, false})
        for (std::string body : {std::string{}, std::string{"{\"id\":\"m1\",\"delivered\":1}"}, std::string(5000, 'x')}) {
          INFO(status << " HTTP/" << version << " keep=" << keep << " body " << body.size());
          CHECK(herald::render_response(status, "application/json", body, version, keep) ==
                beast_render(status, "application/json", body, version, keep));
        }
}

TEST_CASE("a rendered response parses back to the same answer", "[http]") {
  auto wire = herald::render_response(503, "text/plain; version=0.0.4", "busy", 11, false);
  http::response_parser<http::string_body> p;
  boost::beast::error_code ec;
  p.eager(true);
  p.put(boost::asio::buffer(wire), ec);
  REQUIRE(!ec);
  REQUIRE(p.is_done());
  auto res = p.release();
  CHECK(res.result_int() == 503);
  CHECK(res[http::field::content_type] == "text/plain; version=0.0.4");
  CHECK(res.body() == "busy");
  CHECK(!res.keep_alive());
}
