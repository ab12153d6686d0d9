#pragma once
// What net/api.cpp and net/api_admin.cpp share: one call in flight and the
// helpers both use. Private to the API.
#include <string>

#include <nlohmann/json.hpp>

#include "net/api.hpp"
#include "net/url.hpp"

namespace herald {

struct api::call {
  api_request req;
  reply_fn reply;
  url::target target;
  std::string ns;  // set once a namespace call is authorised

  void fail(errc code, std::string message) {
    error e{code, std::move(message)};
    reply(api_response{http_status(code), error_body(e)});
  }
  void fail(const error& e) { reply(api_response{http_status(e.code), error_body(e)}); }
  void ok(const nlohmann::json& j) { reply(api_response{200, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}); }
  // A body already written as JSON text.
  void ok_text(std::string json_text) { reply(api_response{200, std::move(json_text)}); }
};

namespace api_detail {

inline bool secret_equal(const std::string& a, const std::string& b) {
  // Constant time in the length of the input.
  unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ (i < b.size() ? b[i] : 0);
  return diff == 0;
}

inline bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

}  // namespace api_detail

}  // namespace herald
