#pragma once
// A published message as it travels between actors and nodes. `data` is the
// JSON text of the payload: it is validated once at the edge and never
// re-parsed, only spliced into frames.
#include <cstdint>
#include <memory>
#include <string>

#include <caf/meta/type_name.hpp>

namespace herald {

struct message {
  std::string id;
  int64_t ts = 0;      // ms since epoch, when accepted
  std::string from;    // user id, or "api"
  std::string room;    // empty for direct messages
  std::string data;    // JSON text
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message& x) {
  return f(caf::meta::type_name("herald.message"), x.id, x.ts, x.from, x.room, x.data);
}

// An encoded server frame, shared by every local recipient.
using frame_ptr = std::shared_ptr<const std::string>;

}  // namespace herald
