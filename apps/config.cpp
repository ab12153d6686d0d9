#include "apps/config.hpp"

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "actors/names.hpp"

namespace herald {

namespace {
std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Strips a `;` or `#` comment that starts a line or follows whitespace, outside quotes.
std::string strip_comment(const std::string& s) {
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (!quoted && (s[i] == ';' || s[i] == '#') && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
      return s.substr(0, i);
  }
  return s;
}

std::string unquote(const std::string& v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

error bad(const std::string& key, const std::string& why) {
  return error{errc::bad_request, "config " + key + ": " + why};
}

result<int64_t> to_int(const std::string& key, const std::string& v, int64_t lo, int64_t hi) {
  try {
    size_t used = 0;
    auto n = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument("trailing");
    if (n < lo || n > hi) return bad(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return static_cast<int64_t>(n);
  } catch (const std::exception&) {
    return bad(key, "\"" + v + "\" is not an integer");
  }
}

result<bool> to_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  return bad(key, "\"" + v + "\" is not a boolean");
}
}  // namespace

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ','))
    if (auto t = trim(item); !t.empty()) out.push_back(t);
  return out;
}

result<ini_map> parse_ini(const std::string& text) {
  ini_map m;
  std::stringstream in(text);
  std::string line, section;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    auto s = trim(strip_comment(line));
    if (s.empty()) continue;
    if (s.front() == '[') {
      if (s.back() != ']') return error{errc::bad_request, "config line " + std::to_string(no) + ": unclosed section"};
      section = trim(s.substr(1, s.size() - 2));
      if (section.empty()) return error{errc::bad_request, "config line " + std::to_string(no) + ": empty section"};
      continue;
    }
    auto eq = s.find('=');
    if (eq == std::string::npos)
      return error{errc::bad_request, "config line " + std::to_string(no) + ": expected key = value"};
    if (section.empty())
      return error{errc::bad_request, "config line " + std::to_string(no) + ": key outside a [section]"};
    auto key = trim(s.substr(0, eq));
    if (key.empty()) return error{errc::bad_request, "config line " + std::to_string(no) + ": empty key"};
    m[section + "." + key] = unquote(trim(s.substr(eq + 1)));
  }
  return m;
}

status apply_overrides(ini_map& m, const std::vector<std::string>& args) {
  for (auto& a : args) {
    if (a.rfind("--", 0) != 0) return error{errc::bad_request, "unexpected argument " + a};
    auto eq = a.find('=');
    auto key = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (eq == std::string::npos || key.find('.') == std::string::npos)
      return error{errc::bad_request, "options are --section.key=value, got " + a};
    m[key] = a.substr(eq + 1);
  }
  return ok();
}

result<node_config> build_config(const ini_map& m) {
  node_config c;
  std::map<std::string, namespace_settings> nss;
  for (auto& entry : m) {
    // Named references, not a structured binding: the lambdas below capture
    // them, which clang (C++17) refuses for bindings.
    const std::string& key = entry.first;
    const std::string& v = entry.second;
    auto dot = key.rfind('.');
    auto section = key.substr(0, dot);
    auto k = key.substr(dot + 1);
    auto int_into = [&](auto& dst, int64_t lo, int64_t hi) -> status {
      auto n = to_int(key, v, lo, hi);
      if (!n) return n.err();
      dst = static_cast<std::remove_reference_t<decltype(dst)>>(n.value());
      return ok();
    };
    status st = ok();
    if (section == "node") {
      if (k == "name") c.name = v;
      else if (k == "listen") c.listen = v;
      else if (k == "cluster_listen") c.cluster_listen = v;
      else if (k == "data_dir") c.data_dir = v;
      else if (k == "io_threads") st = int_into(c.io_threads, 0, 64);
      else if (k == "workers") st = int_into(c.workers, 0, 64);
      else if (k == "write_delay") st = int_into(c.write_delay_ms, 0, 1000);
      else if (k == "passivate_after") st = int_into(c.passivate_after_ms, 100, int64_t{24} * 3600 * 1000);
      else if (k == "drain_time") {
        int64_t secs = 0;
        st = int_into(secs, 0, 3600);
        c.drain_time_ms = secs * 1000;
      }
      else if (k == "ws_origins" || k == "cors_origins") {
        // ws_origins: "*" is the same as none listed (any); cors_origins:
        // "*" allows any page, none listed allows none.
        auto& dst = k == "ws_origins" ? c.ws_origins : c.cors_origins;
        dst.clear();
        for (auto& o : split_list(v)) {
          if (o == "*") {
            if (k == "cors_origins") dst.push_back(o);
            continue;
          }
          auto scheme = o.find("://");
          bool ok = (o.rfind("http://", 0) == 0 || o.rfind("https://", 0) == 0) && scheme != std::string::npos &&
                    o.size() > scheme + 3 && o.find('/', scheme + 3) == std::string::npos;
          if (!ok) return bad(key, "\"" + o + "\" is not an origin (scheme://host[:port], no path), nor *");
          std::string lower;
          for (char ch : o) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          dst.push_back(std::move(lower));
        }
      } else if (k == "tls_cert") {
        c.tls_cert = v;
      } else if (k == "tls_key") {
        c.tls_key = v;
      } else if (k == "hook_hosts") {
        c.hook_hosts = split_list(v);
      } else if (k == "demo_ns") {
        if (!v.empty() && !valid_namespace_name(v)) return bad(key, "a namespace name ([a-z0-9_-]{1,64}) or empty");
        c.demo_ns = v;
      } else if (k == "socketio_path") {
        if (v.empty() || v[0] != '/' || v.find_first_of("?# ") != std::string::npos || v == "/" ||
            v.rfind("/v1/", 0) == 0)
          return bad(key, "a path such as /socket.io/ (not /, not under /v1/)");
        c.socketio_path = v;
      } else if (k == "socketio_ping_interval") {
        int64_t s = 0;
        st = int_into(s, 1, 3600);
        c.socketio_ping_interval_ms = s * 1000;
      } else if (k == "socketio_ping_timeout") {
        int64_t s = 0;
        st = int_into(s, 1, 3600);
        c.socketio_ping_timeout_ms = s * 1000;
      } else if (k == "hook_ca") {
        c.hook_ca = v;
      } else if (k == "log_level") {
        if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error" && v != "off")
          return bad(key, "one of trace, debug, info, warn, error, off");
        c.log_level = v;
      } else return bad(key, "unknown key");
    } else if (section == "cluster") {
      if (k == "seeds") c.seeds = split_list(v);
      else if (k == "tls_cert") c.cluster_tls_cert = v;
      else if (k == "tls_key") c.cluster_tls_key = v;
      else if (k == "tls_ca") c.cluster_tls_ca = v;
      else return bad(key, "unknown key");
    } else if (section == "storage") {
      if (k == "group_commit") {
        auto b = to_bool(key, v);
        if (!b) return b.err();
        c.group_commit = b.value();
      } else if (k == "recovery") {
        if (v != "strict" && v != "accept_loss" && v != "repair") return bad(key, "one of strict, accept_loss, repair");
        c.recovery = v;
      } else return bad(key, "unknown key");
    } else if (section == "log") {
      if (k == "format") {
        if (v != "text" && v != "json") return bad(key, "one of text, json");
        c.log_json = v == "json";
      } else return bad(key, "unknown key");
    } else if (section == "admin") {
      if (k == "token") c.admin_token = v;
      else return bad(key, "unknown key");
    } else if (section == "limits") {
      if (k == "max_frame") st = int_into(c.lim.max_frame, 256, int64_t{64} << 20);
      else if (k == "max_body") st = int_into(c.lim.max_body, 256, int64_t{64} << 20);
      else if (k == "max_rooms") st = int_into(c.lim.max_rooms, 1, 100000);
      else if (k == "max_targets") st = int_into(c.lim.max_targets, 1, 1000000);
      else if (k == "max_batch") st = int_into(c.lim.max_batch, 1, 100000);
      else if (k == "send_queue") st = int_into(c.lim.send_queue, 1024, int64_t{1} << 30);
      else if (k == "max_connections") st = int_into(c.lim.max_connections, 1, 10000000);
      else if (k == "heartbeat") st = int_into(c.lim.heartbeat, 1, 3600);
      else if (k == "ns_connections") st = int_into(c.lim.ns_connections, 0, 10000000);
      else if (k == "ns_push_rate") st = int_into(c.lim.ns_push_rate, 0, 10000000);
      else if (k == "frame_rate") st = int_into(c.lim.frame_rate, 0, 1000000);
      else if (k == "admin_failures") st = int_into(c.lim.admin_failures, 0, 1000000);
      else return bad(key, "unknown key");
    } else if (section.rfind("namespace.", 0) == 0) {
      auto name = section.substr(10);
      auto rest = k;
      if (!valid_namespace_name(name)) return bad(key, "namespace name must match [a-z0-9_-]{1,64}");
      auto& ns = nss[name];
      ns.name = name;
      if (rest == "secret") ns.secret = v;
      else if (rest == "client_publish") {
        auto b = to_bool(key, v);
        if (!b) return b.err();
        ns.client_publish = b.value();
      } else if (rest == "message_ttl") st = int_into(ns.message_ttl, 0, namespace_settings::max_message_ttl);
      else if (rest == "room_history") st = int_into(ns.room_history, 0, namespace_settings::max_room_history);
      else if (rest == "secret_grace") st = int_into(ns.secret_grace, 0, namespace_settings::max_secret_grace);
      else if (rest == "room_policy") {
        auto p = parse_room_policy(v);
        if (!p) return bad(key, "one of open, token, callback");
        ns.rooms = *p;
      } else if (rest == "subscribe_url") ns.subscribe_url = v;
      else if (rest == "subscribe_cache") st = int_into(ns.subscribe_cache, 0, namespace_settings::max_subscribe_cache);
      else if (rest == "subscribe_timeout")
        st = int_into(ns.subscribe_timeout, 1, namespace_settings::max_subscribe_timeout);
      else if (rest == "webhook_url") ns.webhook_url = v;
      else if (rest == "webhook_secret") ns.webhook_secret = v;
      else if (rest == "webhook_events") {
        auto kinds = parse_hook_kinds(v);
        if (!kinds) return bad(key, "a list of connect, disconnect, online, offline, join, leave, undelivered (or all)");
        ns.webhook_events = *kinds;
      } else if (rest == "webhook_timeout")
        st = int_into(ns.webhook_timeout, 1, namespace_settings::max_webhook_timeout);
      else if (rest == "webhook_retry") st = int_into(ns.webhook_retry, 0, namespace_settings::max_webhook_retry);
      else if (rest == "webhook_queue")
        st = int_into(ns.webhook_queue, namespace_settings::min_webhook_queue, namespace_settings::max_webhook_queue);
      else if (rest == "undelivered_after")
        st = int_into(ns.undelivered_after, 0, namespace_settings::max_undelivered_after);
      else if (rest == "auth_url") ns.auth_url = v;
      else if (rest == "auth_cache") st = int_into(ns.auth_cache, 0, namespace_settings::max_auth_cache);
      else if (rest == "auth_timeout") st = int_into(ns.auth_timeout, 1, namespace_settings::max_auth_timeout);
      else if (rest == "auth_fallback") {
        if (v != "deny" && v != "token") return bad(key, "deny or token");
        ns.auth_fallback_token = v == "token";
      } else if (rest == "socketio_events") {
        if (v != "herald" && v != "lightpush") return bad(key, "herald or lightpush");
        ns.socketio_lightpush = v == "lightpush";
      } else if (rest == "undelivered_data" || rest == "room_events") {
        auto b = to_bool(key, v);
        if (!b) return b.err();
        (rest == "room_events" ? ns.room_events : ns.undelivered_data) = b.value();
      }
      else return bad(key, "unknown key");
    } else {
      return bad(key, "unknown section [" + section + "]");
    }
    if (!st) return st.err();
  }
  for (auto& [name, ns] : nss) {
    if (ns.secret.empty()) return bad("namespace." + name + ".secret", "is required");
    if (auto ck = ns.check(c.hook_hosts); !ck) return bad("namespace." + name, ck.err().message);
    c.namespaces.push_back(ns);
  }
  int cluster_tls = !c.cluster_tls_cert.empty() + !c.cluster_tls_key.empty() + !c.cluster_tls_ca.empty();
  if (cluster_tls != 0 && cluster_tls != 3)
    return bad("cluster.tls_cert", "cluster.tls_cert, tls_key and tls_ca go together: set all three or none");
  if (c.name.empty()) c.name = c.listen;
  return c;
}

// One thread per core across the two contexts: with 2 per context on two
// cores, a push crossed four threads and woke one for nearly every post;
// 1 per context gave p2p +18 %, a room over three nodes +14 %, one node's
// saturated fan-out the same (docs/benchmarks.md, "Threads per core").
int io_threads_for(int configured, unsigned cores) {
  if (configured > 0) return configured;
  return static_cast<int>(std::clamp<unsigned>(cores / 2, 1, 64));
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

result<node_config> load_config(const std::string& file, const std::vector<std::string>& overrides) {
  ini_map m;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return error{errc::not_found, "cannot read config file " + file};
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = parse_ini(ss.str());
    if (!parsed) return parsed.err();
    m = std::move(parsed.value());
  }
  if (auto st = apply_overrides(m, overrides); !st) return st.err();
  return build_config(m);
}

}  // namespace herald
