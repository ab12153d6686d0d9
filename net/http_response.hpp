#pragma once
// An API answer as the bytes on the wire. Every API call ends here, so it is
// rendered into one string written with one call: Beast's serializer cost
// ~18k instructions per response (callgrind, durable pushes), a fifth of
// the user-space work of a push.
#include <string>
#include <string_view>

namespace herald {

// Status line, Server, Content-Type, Connection when it differs from the
// version's default, Content-Length, then the body: byte for byte what
// Beast's serializer wrote. `version` is 10 or 11. `extra_headers`:
// complete header lines ("Name: value\r\n" each), written before the body's.
std::string render_response(int status, std::string_view content_type, std::string_view body, unsigned version,
                            bool keep_alive, std::string_view extra_headers = {});

}  // namespace herald
