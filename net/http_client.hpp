#pragma once
// Outgoing HTTP/1.1 POSTs to a business system (the subscribe callback;
// webhooks later): one connection per call, the whole call bounded by a
// deadline, the answer body by a size. Errors are values: the callback
// gets the status and body, or why there is none. It runs on a thread of
// `io`, exactly once.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/errors.hpp"
#include "actors/names.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

struct http_reply {
  unsigned status = 0;
  std::string body;
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

void http_post(boost::asio::io_context& io, const http_url& url, std::string body, http_headers headers,
               std::chrono::milliseconds timeout, std::function<void(result<http_reply>)> done);

// The CAs an https:// callback or webhook URL is checked against ([node]
// hook_ca; the system's bundle by default), with its host name (or IP
// address) matched to the certificate. Set once at start; without it,
// https:// URLs fail.
class tls_context;
void set_outbound_tls(std::shared_ptr<const tls_context> ctx);

// A webhook POST: `body` to `url`, signed with `key` in
// X-Herald-Signature, if the URL's host is in `hook_hosts` (checked at
// each call: hook_hosts may have narrowed since the URL was set). `done`
// gets the answer's status, or why there is none.
void post_signed(boost::asio::io_context& io, const std::vector<std::string>& hook_hosts, const std::string& url,
                 std::string body, const std::string& key, std::chrono::milliseconds timeout,
                 std::function<void(result<unsigned>)> done);

// "sha256=<hex HMAC-SHA256(key, body)>": what X-Herald-Signature carries.
std::string hmac_signature(const std::string& key, const std::string& body);

}  // namespace herald
