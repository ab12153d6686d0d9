// libFuzzer target: a client's token (net/token): any text is a user id
// or unauthorized, never a crash. Half the inputs are made to carry a
// valid signature over fuzzed claims, so the claim checks are reached.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <openssl/hmac.h>

#include "net/token.hpp"
#include "net/url.hpp"

namespace {
std::string b64url(const std::string& s) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = uint8_t(s[i]) << 16 | uint8_t(s[i + 1]) << 8 | uint8_t(s[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += a[v >> k & 63];
  }
  if (i + 1 == s.size()) {
    uint32_t v = uint8_t(s[i]) << 16;
    out += a[v >> 18 & 63];
    out += a[v >> 12 & 63];
  } else if (i + 2 == s.size()) {
    uint32_t v = uint8_t(s[i]) << 16 | uint8_t(s[i + 1]) << 8;
    for (int k = 18; k >= 6; k -= 6) out += a[v >> k & 63];
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (size > 0 && data[0] % 2 == 0) {
    // A signed token whose claims are the rest of the input.
    auto body = b64url(text.substr(1));
    auto signing = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    HMAC(EVP_sha256(), "s", 1, reinterpret_cast<const unsigned char*>(signing.data()), signing.size(), mac, &len);
    text = signing + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
  }
  auto r = herald::token::verify(text, "s");
  if (!r && r.err().code != herald::errc::unauthorized) std::abort();
  return 0;
}
