// libFuzzer target: the WebSocket frame reader (net/ws_codec) fed the input
// in pieces whose sizes come from the input itself. Invariants: it never
// holds more than a frame's bytes beyond max_message, and after an error
// event it reports nothing more.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "net/ws_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t max = 4096;
  herald::ws::reader r(max);
  std::vector<herald::ws::event> out;
  size_t step = 1 + data[0] % 64;  // the piece size
  const char* p = reinterpret_cast<const char*>(data + 1);
  size_t left = size - 1;
  bool failed = false;
  while (left > 0) {
    size_t n = std::min(step, left);
    out.clear();
    r.feed(p, n, out);
    for (auto& e : out) {
      if (failed) std::abort();  // nothing after an error
      if (e.kind == herald::ws::event::error) failed = true;
      if ((e.kind == herald::ws::event::text || e.kind == herald::ws::event::binary) && e.data.size() > max) std::abort();
    }
    if (r.held() > 2 * max + 256) std::abort();  // a message and one frame, bounded
    p += n;
    left -= n;
  }
  return 0;
}
