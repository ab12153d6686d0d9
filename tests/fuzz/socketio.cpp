// libFuzzer target: what a Socket.IO client sends, as the Engine.IO
// session reads it: a polling payload, each packet's Socket.IO packet, an
// event's native frame (both vocabularies); and the input as a native
// server frame to be carried. Each read gives a value or a reason, never
// both and never neither.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/eio_codec.hpp"
#include "net/sio_frames.hpp"

using namespace herald;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto packets = eio::decode_payload(in, 64)) {
    for (auto& p : *packets) {
      if (p.type != eio::type::message || p.binary) continue;
      auto d = sio::decode(p.data);
      if (bool(d.p) == !d.problem.empty()) std::abort();
      if (!d.p || d.p->type != sio::type::event) continue;
      auto call = sio::event_of(d.p->data);
      if (!call) continue;
      for (bool lightpush : {false, true}) {
        auto f = sio::native_frame(*d.p, *call, lightpush, 100);
        if (bool(f.frame) == bool(f.failure)) std::abort();
        if (f.failure) sio::packet_for(d.p->nsp, wire::failure(f.failure->req_id, f.failure->err), lightpush, "s");
      }
    }
  }
  sio::packet_for("/n", in, false, "s");
  return 0;
}
