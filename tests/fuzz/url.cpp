// libFuzzer target: request targets, path segments, percent- and base64-
// decoding (net/url).
#include <cstdint>
#include <string_view>

#include "net/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto t = herald::url::parse_target(s);
  if (t.ok) herald::url::segments(t.path);
  herald::url::decode(s);
  herald::url::base64_decode(s);
  return 0;
}
