// herald: the server (`herald --config FILE`) and its token tool
// (`herald token ...`). Wires storage/, actors/ and net/ together.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/names.hpp"
#include "actors/node.hpp"
#include "actors/webhooks.hpp"
#include "apps/allocator.hpp"
#include "apps/config.hpp"
#include "apps/log_format.hpp"
#include "cluster/cluster_directory.hpp"
#include "cluster/membership_actor.hpp"
#include "net/cluster_tunnel.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "net/tls.hpp"
#include "net/loop_scheduler.hpp"
#include "net/eio_relay.hpp"
#include "net/server.hpp"
#include "net/subscribe_client.hpp"
#include "net/token.hpp"
#include "storage/store.hpp"

using namespace herald;

namespace {

const char* usage = R"(herald - real-time push and chat server

Usage:
  herald --config FILE [--section.key=value ...]
      Start a node. Every key of the config file can be given (and
      overridden) on the command line, e.g. --node.listen=127.0.0.1:9000
      --limits.heartbeat=10 --namespace.demo.secret=s3cret.
  herald token --config FILE --ns NS --user USER [--ttl SECONDS] [--secret S]
               [--rooms R1,P*] [--publish R1] [--section.key=value ...]
      Print a HS256 JWT for USER in namespace NS, signed with the namespace
      secret from the config file (or the node's data_dir, or --secret);
      --rooms and --publish set the claims room_policy = token reads.
      --ttl 0 (the default is 3600) mints a token without expiry.
  herald --version
      The version (and the commit it was built from, when known).
  herald --help
      This text.

Config sections: [node] name, listen, cluster_listen, data_dir, io_threads,
workers, write_delay, log_level, passivate_after, drain_time, ws_origins, cors_origins, hook_hosts, hook_ca, tls_cert, tls_key,
socketio_path, socketio_ping_interval, socketio_ping_timeout, demo_ns; [cluster] seeds,
tls_cert, tls_key, tls_ca; [admin] token; [limits] max_frame,
max_body, max_rooms, max_targets, send_queue, max_connections, heartbeat;
[storage] group_commit, recovery; [log] format; [namespace.NAME] secret, client_publish, message_ttl,
room_history, secret_grace, room_policy, subscribe_url, subscribe_cache, subscribe_timeout.
See README.md and docs/.
)";

// Raises the soft open-file limit to the hard one; returns the result.
rlim_t raise_nofile() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "herald: %s\n", msg.c_str());
  return 2;
}

int token_main(const std::vector<std::string>& args) {
  std::string file, ns, user, secret;
  std::vector<std::string> overrides;  // --section.key=value, as for the server (e.g. --node.data_dir=...)
  long long ttl = 3600;
  std::vector<std::string> rooms, publish;  // claims, for room_policy = token
  for (size_t i = 0; i < args.size(); ++i) {
    auto next = [&](std::string& dst) {
      if (i + 1 >= args.size()) return false;
      dst = args[++i];
      return true;
    };
    std::string ttl_s;
    if (args[i] == "--config") { if (!next(file)) return fail("--config needs a value"); }
    else if (args[i] == "--ns") { if (!next(ns)) return fail("--ns needs a value"); }
    else if (args[i] == "--user") { if (!next(user)) return fail("--user needs a value"); }
    else if (args[i] == "--secret") { if (!next(secret)) return fail("--secret needs a value"); }
    else if (args[i] == "--rooms" || args[i] == "--publish") {
      std::string v;
      if (!next(v)) return fail(args[i - 1] + " needs a value");
      for (auto& r : split_list(v)) {
        if (!valid_id(r)) return fail(args[i - 1] + ": \"" + r + "\" is not a room name or prefix");
        (args[i - 1] == "--rooms" ? rooms : publish).push_back(r);
      }
    }
    else if (args[i] == "--ttl") {
      if (!next(ttl_s)) return fail("--ttl needs a value");
      try { ttl = std::stoll(ttl_s); } catch (...) { return fail("--ttl must be an integer"); }
    } else if (args[i] == "--help") { std::cout << usage; return 0; }
    else if (args[i].rfind("--", 0) == 0 && args[i].find('.') != std::string::npos &&
             args[i].find('=') != std::string::npos) overrides.push_back(args[i]);
    else return fail("unknown token option " + args[i] + " (see herald --help)");
  }
  if (ns.empty() || user.empty()) return fail("token needs --ns and --user (see herald --help)");
  if (secret.empty()) {
    auto cfg = load_config(file, overrides);
    if (!cfg) return fail(cfg.err().message);
    for (auto& n : cfg->namespaces)
      if (n.name == ns) secret = n.secret;
    if (secret.empty()) {
      // A namespace made through the admin API lives in the node's store.
      auto st = storage::store::open_read_only(cfg->data_dir);
      if (!st) return fail("namespace " + ns + " is not in the config file and the store is not readable (" +
                           st.err().message + "); pass --secret");
      namespace_catalog cat(st.value().get());
      if (auto l = cat.load(); !l) return fail(l.err().message);
      if (auto s = cat.get(ns)) secret = s->secret;
    }
    if (secret.empty()) return fail("unknown namespace " + ns);
  }
  std::cout << token::mint(secret, user, ttl, rooms, publish) << "\n";
  return 0;
}

// A store that cannot be opened for an I/O reason (a full disk, a device
// error) may open once the fault clears: wait for it, saying so, rather
// than exit and be restarted into the same failure. Damage and a data_dir
// held by another process are the operator's to resolve: exit.
storage::result<std::unique_ptr<storage::store>> open_store(const std::string& dir, const storage::store_options& o) {
  auto wait = std::chrono::seconds(1);
  for (;;) {
    auto st = storage::store::open(dir, o);
    if (st || st.err().kind != storage::fault::io) return st;
    spdlog::error("{}; waiting for the store (next try in {} s)", st.err().message, wait.count());
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::chrono::seconds(10));
  }
}

// Takes this node out of the ring and waits (at most 30 s) until its
// namespace actors have handed every key they hold, active or stored, to
// the key's new owner.
void hand_off_keys(node& n, const caf::actor& membership) {
  using namespace std::chrono;
  caf::scoped_actor self{n.system()};
  bool told = false;
  self->request(membership, seconds(5), cluster::drain_atom_v)
    .receive([&](bool) { told = true; }, [](caf::error&) {});
  if (!told) return spdlog::warn("drain: the membership actor did not answer; stopping without handing off");
  auto start = steady_clock::now();
  uint64_t pending = 0;
  int zeros = 0;  // twice in a row: a pass that starts a scan reports it at once
  while (zeros < 2 && steady_clock::now() - start < seconds(30)) {
    pending = n.handoffs_pending(seconds(2));
    zeros = pending == 0 ? zeros + 1 : 0;
    if (zeros < 2) std::this_thread::sleep_for(milliseconds(100));
  }
  auto ms = duration_cast<milliseconds>(steady_clock::now() - start).count();
  if (pending == 0) spdlog::info("drain: every key handed to its new owner in {} ms", ms);
  else spdlog::warn("drain: {} keys not handed off after {} ms; they stay on this node's disk", pending, ms);
}

int server_main(const std::vector<std::string>& args) {
  std::string file;
  std::vector<std::string> overrides;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return fail("--config needs a file");
      file = args[++i];
    } else if (args[i].rfind("--config=", 0) == 0) {
      file = args[i].substr(9);
    } else {
      overrides.push_back(args[i]);
    }
  }
  auto cfg_r = load_config(file, overrides);
  if (!cfg_r) return fail(cfg_r.err().message);
  auto& cfg = cfg_r.value();
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  if (cfg.log_json) spdlog::set_formatter(std::make_unique<json_log_formatter>(cfg.name));
  else spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [" + cfg.name + "] %v");

  auto nofile = raise_nofile();
  // Keep descriptors for RocksDB, the listener and HTTP calls.
  auto fd_budget = nofile > 200 ? static_cast<size_t>(nofile - 200) : size_t{1};
  if (cfg.lim.max_connections > fd_budget) cfg.lim.max_connections = fd_budget;

  auto stats = std::make_shared<metrics>();
  stats->store_writable.Set(1);
  storage::store_options sopts;
  sopts.group_commit = cfg.group_commit;
  sopts.on_damage = cfg.recovery == "repair"        ? storage::recovery::repair
                    : cfg.recovery == "accept_loss" ? storage::recovery::accept_loss
                                                    : storage::recovery::strict;
  sopts.on_writable = [stats](bool w) { stats->store_writable.Set(w ? 1 : 0); };
  sopts.on_write_error = [stats] { stats->store_write_errors.Increment(); };
  auto st = open_store(cfg.data_dir, sopts);
  if (!st) {
    spdlog::error("{}", st.err().message);
    return 1;
  }
  auto ctx = std::make_shared<node_context>();
  ctx->node_name = cfg.name;
  ctx->lim = cfg.lim;
  ctx->passivate_after = std::chrono::milliseconds(cfg.passivate_after_ms);
  bool clustered = !cfg.cluster_listen.empty();
  auto cdir = clustered ? std::make_shared<cluster::cluster_directory>(cfg.name) : nullptr;
  std::shared_ptr<local_directory> dir = cdir ? cdir : std::make_shared<local_directory>(cfg.name);
  ctx->dir = dir;
  ctx->catalog = std::make_shared<namespace_catalog>(st.value().get());
  ctx->stats = stats;
  ctx->ids = std::make_shared<id_source>(cfg.name);
  ctx->store = st.value().get();
  ctx->verify_token = [](const std::string& tok,
                         const std::vector<std::string>& secrets) -> result<node_context::token_claims> {
    auto c = token::verify_claims(tok, secrets);
    if (!c) return c.err();
    return node_context::token_claims{std::move(c.value().user), c.value().expires_ms, std::move(c.value().grants)};
  };
  if (auto l = ctx->catalog->load(); !l) {
    spdlog::error("{}", l.err().message);
    return 1;
  }
  for (auto& ns : cfg.namespaces)
    if (auto p = ctx->catalog->put(ns); !p) {
      spdlog::error("{}", p.err().message);
      return 1;
    }
  if (!clustered && !cfg.seeds.empty())
    spdlog::warn("cluster.seeds is set but node.cluster_listen is not: running alone");

  // Sockets, timers and (node.workers = 0) actors run on these threads.
  // Started before the actor system and stopped after it; the server
  // outlives both, since the loop's handlers refer to its state.
  cfg.io_threads = io_threads_for(cfg.io_threads, usable_cores());
  event_loop loop{cfg.io_threads};
  auto subscribe = std::make_shared<subscribe_client>(loop.context(), cfg.hook_hosts, stats);
  ctx->hook_hosts = cfg.hook_hosts;
  ctx->hooks = std::make_shared<webhook_directory>();
  {
    // https:// callbacks and webhooks: checked against hook_ca, else the
    // system's CA bundle.
    const std::string system_bundle = "/etc/ssl/certs/ca-certificates.crt";
    auto ca = cfg.hook_ca.empty() ? system_bundle : cfg.hook_ca;
    if (!cfg.hook_ca.empty() || std::ifstream(ca).good()) {
      auto c = tls_context::client(ca);
      if (!c) {
        spdlog::error("node.hook_ca: {}", c.err().message);
        if (!cfg.hook_ca.empty()) return 1;
      } else {
        set_outbound_tls(c.value());
      }
    }
  }
  ctx->post_hook = [&io = loop.context(), hosts = cfg.hook_hosts](const std::string& url, std::string body,
                                                                  const std::string& key, std::chrono::milliseconds t,
                                                                  std::function<void(result<unsigned>)> done) {
    post_signed(io, hosts, url, std::move(body), key, t, std::move(done));
  };
  ctx->check_subscribe = [subscribe](const namespace_settings& ns, const session_info& who, const std::string& room,
                                     std::function<void(status)> done) {
    subscribe->check(ns, who, room, std::move(done));
  };
  std::unique_ptr<server> srv;
  caf::actor_system_config caf_cfg;
  if (cfg.workers == 0) run_actors_on(caf_cfg, loop);
  else caf_cfg.set("scheduler.max-threads", cfg.workers);
  caf_cfg.set("logger.verbosity", caf::atom("quiet"));
  // CAF's idle workers poll with 50 us sleeps for 25 ms after each burst of
  // work by default; under fan-out load that was ~9% of herald's CPU in
  // context switches (perf, saturation). Waiting on the worker's condition
  // variable at once (woken by new work) gave +10% deliveries per second.
  // A sleeping worker still wakes to steal every relaxed-sleep-duration:
  // at 1 ms that kept an idle node at 4% of a core (5% with 10k idle
  // connections); at CAF's default of 10 ms, 0.8% (2%), with the same
  // throughput in an A/B (docs/benchmarks.md).
  caf_cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  caf_cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(10)});
  add_message_types(caf_cfg);
  caf_cfg.add_message_types<caf::id_block::herald_cluster>();
  if (clustered) {
    caf_cfg.load<caf::io::middleman>();
    // No automatic connections: they listen on a second, random port on
    // every interface. The membership actor dials each member on its
    // node.cluster_listen instead, so every link is direct and a member's
    // death is a down message (shared/notes/toolchain.md).
    caf_cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(200)});
    caf_cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(3)});
    if (!cfg.cluster_tls_cert.empty())
      for (auto* f : {&cfg.cluster_tls_cert, &cfg.cluster_tls_key, &cfg.cluster_tls_ca})
        if (!std::ifstream(*f)) return fail("cannot read " + *f + " ([cluster] tls_cert, tls_key, tls_ca)");
  }
  int rc = 0;
  {
    caf::actor_system sys{caf_cfg};
    node n{sys, ctx, dir};
    n.start();
    caf::actor membership;  // cluster/membership_actor; none for a lone node
    caf::actor relay;       // net/eio_relay: Socket.IO sessions across members
    std::shared_ptr<cluster_tunnel> tunnel;  // [cluster] tls_*: mutual TLS in front of CAF
    // The cluster's actors, stopped on the way out: the actor system's end
    // waits for every actor, so a start that fails after spawning them
    // would otherwise hang instead of exiting 1.
    auto stop_cluster = [&] {
      if (membership) caf::anon_send_exit(membership, caf::exit_reason::user_shutdown);
      if (relay) caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
      if (tunnel) tunnel->stop();
    };
    auto fail_start = [&](const std::string& why) {
      spdlog::error("{}", why);
      n.stop();
      stop_cluster();
      return 1;
    };
    if (clustered) {
      auto hp = parse_host_port(cfg.cluster_listen);
      if (!hp) return fail_start("node.cluster_listen must be host:port, got " + cfg.cluster_listen);
      bool tls = !cfg.cluster_tls_cert.empty();
      if (!tls && !is_loopback_host(hp->host))
        spdlog::warn("node.cluster_listen {} is not a loopback address and [cluster] tls_cert, tls_key, tls_ca are "
                     "not set: any process that reaches this port can join the cluster, learn every namespace's "
                     "secret and send its actors anything (docs/security.md)", cfg.cluster_listen);
      // With TLS, CAF listens on loopback only and the tunnel takes
      // cluster_listen (net/cluster_tunnel.hpp says why not CAF's OpenSSL).
      auto tunnel_slot = std::make_shared<std::shared_ptr<cluster_tunnel>>();
      cluster::dial_fn via;
      if (tls)
        via = [tunnel_slot](const std::string& host, uint16_t port) -> result<uint16_t> {
          if (!*tunnel_slot) return error{errc::unavailable, "the cluster tunnel is not up"};
          return (*tunnel_slot)->dial_port(host, port);
        };
      relay = spawn_eio_relay(sys);
      auto agent = sys.spawn(cluster::membership_actor,
                             cluster::node_info{cfg.name, cfg.listen, cfg.cluster_listen, {}, {}, {}, {}, false, relay},
                             cfg.seeds, cdir, &n, via);
      membership = agent;
      auto bound = tls ? sys.middleman().publish(agent, 0, "127.0.0.1", true)
                       : sys.middleman().publish(agent, hp->port, hp->host.c_str(), true);
      if (!bound)
        return fail_start("cannot listen for the cluster on " + cfg.cluster_listen + ": " + sys.render(bound.error()));
      if (tls) {
        auto t = cluster_tunnel::start(loop.context(), hp->host, hp->port, *bound,
                                       {cfg.cluster_tls_cert, cfg.cluster_tls_key, cfg.cluster_tls_ca});
        if (!t) return fail_start(t.err().message);
        *tunnel_slot = t.value();
        tunnel = t.value();
      }
      ctx->announce_namespaces = [agent] { caf::anon_send(agent, cluster::announce_atom_v); };
      ctx->spread_delete = [agent](const std::string& name) {
        caf::anon_send(agent, cluster::ns_deleted_atom_v, name, true);
      };
      spdlog::info("cluster: listening on {}{}, seeds: {}", cfg.cluster_listen, tls ? " (mutual TLS)" : "",
                   cfg.seeds.empty() ? std::string("none") : std::to_string(cfg.seeds.size()));
    }
    auto started = server::start(n,
                               {cfg.listen, cfg.admin_token, cfg.ws_origins, cfg.cors_origins, cfg.tls_cert, cfg.tls_key,
                                eio_settings{cfg.socketio_path, cfg.socketio_ping_interval_ms, cfg.socketio_ping_timeout_ms},
                                cfg.demo_ns, cfg.write_delay_ms},
                               loop);
    if (!started) return fail_start(started.err().message);
    srv = std::move(started.value());
    if (!cfg.demo_ns.empty())
      spdlog::warn("node.demo_ns = {}: /demo is on, and POST /demo/token mints a token of namespace {} for any user "
                   "name to whoever asks: for trying herald, never for a namespace with real users", cfg.demo_ns,
                   cfg.demo_ns);
    if (relay) {
      srv->state().eio->set_relay(relay);
      caf::anon_send(relay, eio_attach{srv->state().eio});
    }
    spdlog::info("herald node {} listening on {}{} (data_dir {}, {} namespaces, io_threads {}, workers {}, "
                 "max_connections {}, allocator {})",
                 cfg.name, cfg.listen, cfg.tls_cert.empty() ? "" : " with TLS", cfg.data_dir, ctx->catalog->list().size(), cfg.io_threads,
                 cfg.workers, cfg.lim.max_connections, allocator_name());
    srv->wait_for_signal();
    // A member leaves gracefully: its keys go to the next owners first, then
    // its clients are sent elsewhere (a lone node just stops).
    if (membership)
      srv->drain([&] { hand_off_keys(n, membership); }, std::chrono::milliseconds(cfg.drain_time_ms));
    srv->shutdown(3000);
    n.stop();             // namespace actors close what they hold while Asio runs
    st.value()->drain();  // queued API work refers to the server
    srv->close();
    stop_cluster();
    // Commit callbacks message actors: let them run while the system lives.
    st.value()->drain();
    sys.await_actors_before_shutdown(false);
    // CAF's pool: the io threads spawned session actors, which left a
    // reference to CAF's logger in their locals; the system's destructor
    // waits for it to go, and the io threads outlive the system. (On the
    // loop the scheduler does this itself, after the last actor ran.)
    if (cfg.workers > 0) loop.on_each_thread([] { caf::logger::set_current_actor_system(nullptr); });
    // Everything is written and synced by now. CAF 0.17's middleman can
    // wait forever in its own shutdown while a remote connection lingers
    // (seen with six loaded nodes stopping together): do not hang on it.
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(5));
      spdlog::warn("the actor system did not stop within 5 s; exiting anyway");
      spdlog::default_logger()->flush();
      std::_Exit(0);
    }).detach();
  }
  loop.stop();
  srv.reset();
  spdlog::info("herald node {} stopped", cfg.name);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "token") return token_main({args.begin() + 1, args.end()});
  if (args[0] == "--version") {
    std::cout << "herald " << HERALD_VERSION << (std::string(HERALD_GIT).empty() ? "" : " (" HERALD_GIT ")") << "\n";
    return 0;
  }
  return server_main(args);
}
