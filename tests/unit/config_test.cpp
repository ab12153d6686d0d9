#include <catch2/catch.hpp>

#include <fstream>

#include "apps/config.hpp"

using namespace herald;

TEST_CASE("INI with semicolon comments, sections and namespaces") {
  auto m = parse_ini(R"(
; a comment
[node]
name = node1                  ; unique in the cluster
listen = 127.0.0.1:8080
[cluster]
seeds = 127.0.0.1:7400, 127.0.0.1:7401
[namespace.demo]              ; namespaces may also be made through the admin API
secret = demo-secret
client_publish = true
)");
  REQUIRE(m);
  CHECK(m->at("node.name") == "node1");
  CHECK(m->at("namespace.demo.secret") == "demo-secret");
  auto c = build_config(m.value());
  REQUIRE(c);
  CHECK(c->name == "node1");
  CHECK(c->seeds == std::vector<std::string>{"127.0.0.1:7400", "127.0.0.1:7401"});
  REQUIRE(c->namespaces.size() == 1);
  CHECK(c->namespaces[0].name == "demo");
  CHECK(c->namespaces[0].client_publish);
  CHECK(c->namespaces[0].message_ttl == 86400);
}

TEST_CASE("command line overrides win over the file") {
  auto path = std::string("/tmp/herald_config_test.ini");
  std::ofstream(path) << "[node]\nlisten = 127.0.0.1:1\n[limits]\nheartbeat = 5\n";
  auto c = load_config(path, {"--node.listen=127.0.0.1:2", "--namespace.x.secret=s", "--limits.max_rooms=3"});
  REQUIRE(c);
  CHECK(c->listen == "127.0.0.1:2");
  CHECK(c->name == "127.0.0.1:2");  // default name: the listen address
  CHECK(c->lim.heartbeat == 5);
  CHECK(c->lim.max_rooms == 3);
  REQUIRE(c->namespaces.size() == 1);
  CHECK(c->namespaces[0].name == "x");
}

TEST_CASE("bad configs are refused with the key named") {
  auto bad = [](std::vector<std::string> args) {
    auto c = load_config("", args);
    REQUIRE_FALSE(c);
    return c.err().message;
  };
  CHECK_THAT(bad({"--node.nmae=x"}), Catch::Contains("node.nmae"));
  CHECK_THAT(bad({"--limits.heartbeat=abc"}), Catch::Contains("limits.heartbeat"));
  CHECK_THAT(bad({"--limits.heartbeat=0"}), Catch::Contains("between"));
  CHECK_THAT(bad({"--namespace.x.client_publish=true"}), Catch::Contains("secret"));
  CHECK_THAT(bad({"--namespace.Bad.secret=s"}), Catch::Contains("namespace name"));
  CHECK_THAT(bad({"--bogus.key=1"}), Catch::Contains("unknown section"));
  CHECK_THAT(bad({"listen"}), Catch::Contains("unexpected"));
  CHECK_FALSE(parse_ini("[node]\nno equals sign\n"));
  CHECK_FALSE(parse_ini("key = outside\n"));
  CHECK_FALSE(load_config("/nonexistent/herald.ini", {}));
}

TEST_CASE("storage.recovery and node.drain_time: defaults, values, and refusals") {
  auto c = build_config({});
  REQUIRE(c);
  CHECK(c->recovery == "strict");
  CHECK(c->drain_time_ms == 10000);
  c = build_config({{"storage.recovery", "accept_loss"}, {"node.drain_time", "2"}});
  REQUIRE(c);
  CHECK(c->recovery == "accept_loss");
  CHECK(c->drain_time_ms == 2000);
  auto bad = build_config({{"storage.recovery", "yolo"}});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.err().message, Catch::Contains("storage.recovery"));
  CHECK_FALSE(build_config({{"node.drain_time", "-1"}}));
  CHECK_FALSE(build_config({{"node.drain_time", "3601"}}));
}

TEST_CASE("node.io_threads 0 runs half the cores per context, at least one") {
  CHECK(io_threads_for(0, 1) == 1);
  CHECK(io_threads_for(0, 2) == 1);
  CHECK(io_threads_for(0, 3) == 1);
  CHECK(io_threads_for(0, 8) == 4);
  CHECK(io_threads_for(0, 512) == 64);
  CHECK(io_threads_for(2, 2) == 2);  // a setting is kept
  CHECK(io_threads_for(1, 16) == 1);
  CHECK(usable_cores() >= 1);
}

TEST_CASE("node.ws_origins and the threading defaults") {
  auto c = build_config({});
  REQUIRE(c);
  CHECK(c->ws_origins.empty());
  CHECK(c->io_threads == 0);  // half the cores, at start
  CHECK(build_config({{"node.io_threads", "3"}})->io_threads == 3);
  CHECK_FALSE(build_config({{"node.io_threads", "-1"}}));
  CHECK_FALSE(build_config({{"node.io_threads", "65"}}));
  CHECK(c->workers == 0);
  c = build_config({{"node.ws_origins", "https://App.example.com, http://localhost:3000,*"}, {"node.workers", "2"}});
  REQUIRE(c);
  CHECK(c->ws_origins == std::vector<std::string>{"https://app.example.com", "http://localhost:3000"});
  CHECK(c->workers == 2);
  CHECK(build_config({{"node.ws_origins", "*"}})->ws_origins.empty());
  for (auto bad : {"app.example.com", "https://app.example.com/", "ftp://x", "https://"}) {
    auto r = build_config({{"node.ws_origins", bad}});
    REQUIRE_FALSE(r);
    CHECK_THAT(r.err().message, Catch::Contains("node.ws_origins"));
  }
  CHECK_FALSE(build_config({{"node.workers", "-1"}}));
  CHECK(build_config({})->write_delay_ms == 50);
  CHECK(build_config({{"node.write_delay", "0"}})->write_delay_ms == 0);
  CHECK(build_config({{"node.write_delay", "1000"}})->write_delay_ms == 1000);
  for (auto bad : {"-1", "1001", "20ms"}) CHECK_FALSE(build_config({{"node.write_delay", bad}}));
  CHECK_FALSE(build_config({})->log_json);
  CHECK(build_config({{"log.format", "json"}})->log_json);
  CHECK_FALSE(build_config({{"log.format", "xml"}}));
}

TEST_CASE("cluster TLS keys come as a set of three", "[config]") {
  auto all = build_config({{"cluster.tls_cert", "c.pem"}, {"cluster.tls_key", "k.pem"}, {"cluster.tls_ca", "ca.pem"},
                           {"node.tls_cert", "n.pem"}, {"node.tls_key", "nk.pem"}});
  REQUIRE(all);
  CHECK(all->cluster_tls_ca == "ca.pem");
  CHECK(all->tls_cert == "n.pem");
  auto two = build_config({{"cluster.tls_cert", "c.pem"}, {"cluster.tls_key", "k.pem"}});
  REQUIRE_FALSE(two);
  CHECK(two.err().message.find("go together") != std::string::npos);
}

TEST_CASE("the Socket.IO endpoint's keys", "[config]") {
  auto c = build_config({});
  REQUIRE(c);
  CHECK(c->socketio_path == "/socket.io/");
  CHECK(c->socketio_ping_interval_ms == 25000);
  CHECK(c->socketio_ping_timeout_ms == 20000);
  c = build_config({{"node.socketio_path", "/push/socket.io/"},
                    {"node.socketio_ping_interval", "5"},
                    {"node.socketio_ping_timeout", "3"},
                    {"namespace.lp.secret", "s"},
                    {"namespace.lp.socketio_events", "lightpush"}});
  REQUIRE(c);
  CHECK(c->socketio_path == "/push/socket.io/");
  CHECK(c->socketio_ping_interval_ms == 5000);
  CHECK(c->socketio_ping_timeout_ms == 3000);
  REQUIRE(c->namespaces.size() == 1);
  CHECK(c->namespaces[0].socketio_lightpush);
  for (auto bad : {"socket.io", "/", "/v1/sio", "/a b", "/x?y"}) {
    auto r = build_config({{"node.socketio_path", bad}});
    REQUIRE_FALSE(r);
    CHECK_THAT(r.err().message, Catch::Contains("node.socketio_path"));
  }
  CHECK_FALSE(build_config({{"node.socketio_ping_interval", "0"}}));
  CHECK(build_config({})->demo_ns.empty());
  CHECK(build_config({{"node.demo_ns", "demo"}})->demo_ns == "demo");
  auto demo = build_config({{"node.demo_ns", "Not A Namespace"}});
  REQUIRE_FALSE(demo);
  CHECK_THAT(demo.err().message, Catch::Contains("node.demo_ns"));
  auto ev = build_config({{"namespace.lp.secret", "s"}, {"namespace.lp.socketio_events", "socket.io"}});
  REQUIRE_FALSE(ev);
  CHECK_THAT(ev.err().message, Catch::Contains("socketio_events"));
  // The setting survives the catalog's JSON, as stored and as the cluster sends it.
  namespace_settings ns;
  ns.name = "lp";
  ns.secret = "s";
  ns.socketio_lightpush = true;
  auto back = namespace_settings::from_json("lp", ns.to_json());
  REQUIRE(back);
  CHECK(back.value().socketio_lightpush);
}
