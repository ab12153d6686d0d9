#include "net/http_response.hpp"

#include <ostream>

#include <boost/beast/http/status.hpp>

namespace herald {

std::string render_response(int status, std::string_view content_type, std::string_view body, unsigned version,
                            bool keep_alive, std::string_view extra_headers) {
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  std::string out;
  out.reserve(96 + content_type.size() + body.size());
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\nServer: herald\r\nContent-Type: ";
  out += content_type;
  out += "\r\n";
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  out += extra_headers;
  out += "Content-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace herald
