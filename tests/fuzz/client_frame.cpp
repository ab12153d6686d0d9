// libFuzzer target: a client frame as ws_session hands it to the codec.
// A frame is read or refused with an error, never both and never neither.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "actors/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = herald::wire::parse_client_frame(std::string_view(reinterpret_cast<const char*>(data), size), 100);
  if (bool(p.frame) == bool(p.failure)) std::abort();
  if (p.failure) herald::wire::failure(p.failure->req_id, p.failure->err);
  return 0;
}
