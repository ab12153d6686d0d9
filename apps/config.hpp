#pragma once
// Node configuration: an INI file plus `--section.key=value` overrides (which
// win). Our own small INI reader: the contract's files use `;` comments at
// line ends, which Boost.Program_options' config parser does not strip, and
// `[namespace.NAME]` sections are open-ended.
#include <map>
#include <string>
#include <vector>

#include "actors/errors.hpp"
#include "actors/limits.hpp"
#include "actors/namespace_catalog.hpp"

namespace herald {

using ini_map = std::map<std::string, std::string>;  // "section.key" -> value

// "a, b,,c" -> {"a","b","c"}: comma-separated lists of values.
std::vector<std::string> split_list(const std::string& v);
// Parses INI text into "section.key" -> value. Errors name the line.
result<ini_map> parse_ini(const std::string& text);
// Applies "--section.key=value" arguments; anything else is an error.
status apply_overrides(ini_map& m, const std::vector<std::string>& args);

struct node_config {
  std::string name;
  std::string listen = "127.0.0.1:8080";
  std::string cluster_listen;
  std::string data_dir = "./data";
  std::vector<std::string> seeds;
  // cluster.tls_cert, tls_key, tls_ca: PEM files; all three make every
  // node-to-node link mutual TLS with certificates of that CA.
  std::string cluster_tls_cert;
  std::string cluster_tls_key;
  std::string cluster_tls_ca;
  std::string admin_token;
  // node.ws_origins: Origins a browser may open a WebSocket from (empty: any).
  std::vector<std::string> ws_origins;
  // node.cors_origins: page origins that may call the HTTP API from a
  // browser (lower case; "*": any; empty: none).
  std::vector<std::string> cors_origins;
  // node.tls_cert, node.tls_key: PEM files; HTTPS and WSS when set.
  std::string tls_cert;
  std::string tls_key;
  // node.hook_hosts: the hosts callbacks (subscribe_url) may reach.
  std::vector<std::string> hook_hosts{"127.0.0.1", "localhost", "::1"};
  // node.hook_ca: the CAs (PEM) https callbacks and webhooks are checked
  // against; empty: the system's bundle, when there is one.
  std::string hook_ca;
  // The Socket.IO endpoint: node.socketio_path, and Engine.IO's heartbeat
  // (node.socketio_ping_interval / socketio_ping_timeout, in seconds).
  // node.demo_ns: the namespace whose tokens the demo page mints (empty: no /demo).
  std::string demo_ns;
  std::string socketio_path = "/socket.io/";
  int64_t socketio_ping_interval_ms = 25000;
  int64_t socketio_ping_timeout_ms = 20000;
  // node.io_threads: threads per context (the API's and the sockets');
  // 0: io_threads_for(0, usable cores), half the cores, at least 1.
  int io_threads = 0;
  int64_t write_delay_ms = 50;  // node.write_delay (net/ws_session_write.cpp)
  int workers = 0;  // 0: actors run on the io threads (net/loop_scheduler.hpp)
  std::string log_level = "info";
  bool log_json = false;  // [log] format = json: one JSON object per line
  limits lim;
  bool group_commit = true;  // storage.group_commit
  std::string recovery = "strict";  // storage.recovery: strict, accept_loss or repair
  int64_t passivate_after_ms = 10000;  // node.passivate_after
  int64_t drain_time_ms = 10000;       // node.drain_time (seconds in the file)
  std::vector<namespace_settings> namespaces;
};

// Validates every key and value; unknown keys are errors (typos are caught).
result<node_config> build_config(const ini_map& m);
// node.io_threads as run: `configured`, or for 0 half of `cores` (at
// least 1), so that the two contexts together have one thread per core.
int io_threads_for(int configured, unsigned cores);
// The cores this process may run on (its affinity mask), at least 1.
unsigned usable_cores();
// Reads FILE (may be empty: defaults only) then applies overrides.
result<node_config> load_config(const std::string& file, const std::vector<std::string>& overrides);

}  // namespace herald
