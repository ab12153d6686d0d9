#pragma once
// Per-node limits; each is a config key in [limits] (see docs/configuration).
#include <cstddef>

namespace herald {

struct limits {
  size_t max_frame = 64 * 1024;          // bytes per client frame (close 1009)
  size_t max_body = 1024 * 1024;         // bytes per HTTP body (413)
  size_t max_rooms = 100;                // rooms one session may be in
  size_t max_targets = 1000;             // entries per list in a frame or push
  size_t max_batch = 1000;               // pushes per POST /v1/push/batch
  size_t send_queue = 1024 * 1024;       // bytes queued per session (close 1013)
  size_t max_connections = 19000;        // WebSocket sessions per node (503 beyond)
  int heartbeat = 25;                    // seconds between server pings
  // Admission: what one tenant or one client may take of a node (0: no limit).
  size_t ns_connections = 0;             // WebSocket sessions per namespace on this node (429 beyond)
  size_t ns_push_rate = 0;               // POST /v1/push per second per namespace on this node (429 + Retry-After)
  size_t frame_rate = 0;                 // client frames per second per session (close 1008 beyond)
  size_t admin_failures = 10;            // failed admin auths per source address per minute (429 beyond)
};

}  // namespace herald
