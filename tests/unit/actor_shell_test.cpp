// The actor shells under CAF's deterministic test coordinator (scheduler
// policy "testing"): one thread runs every actor, one job at a time, time
// moves only when the test says, and the store runs its reads and commits
// inline, so the order of every message is the test's. Cases: attach
// ordering, dormancy, the passivation handshake, and handing a user's
// durable state to a new owner (active and stored keys).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <map>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/namespace_actor.hpp"
#include "actors/node.hpp"
#include "actors/session_actor.hpp"
#include "storage/store.hpp"

using namespace herald;
using namespace std::chrono_literals;

namespace {

// Where keys live: `local` unless the test moved them to another node.
struct test_directory : directory {
  std::string name;
  caf::actor local_ns;
  std::map<std::string, caf::actor> moved;
  explicit test_directory(std::string n) : name(std::move(n)) {}
  caf::actor home(const std::string&, key_kind, const std::string& key) override {
    auto i = moved.find(key);
    return i == moved.end() ? local_ns : i->second;
  }
  std::vector<caf::actor> everywhere(const std::string&) override { return {local_ns}; }
  caf::actor local(const std::string&) override { return local_ns; }
  const std::string& node_name() const override { return name; }
  std::vector<member> members() override { return {}; }
};

struct recording_conn : connection {
  std::vector<std::string> frames;
  bool send(frame_ptr f) override {
    frames.push_back(*f);
    return true;
  }
  void close(uint16_t, std::string) override {}
  void wake_all(std::vector<connection_ptr>&&) override {}
  size_t count(const std::string& needle) const {
    return std::count_if(frames.begin(), frames.end(), [&](auto& f) { return f.find(needle) != std::string::npos; });
  }
};

struct config : caf::actor_system_config {
  config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
    herald::add_message_types(*this);
  }
};

// One herald node's actor side: its store, context and namespace actor "t".
struct test_node {
  std::string dir;
  std::unique_ptr<storage::store> store;
  std::shared_ptr<test_directory> where;
  std::shared_ptr<node_context> ctx;
  caf::actor ns;

  test_node(caf::actor_system& sys, const std::string& name) {
    dir = (std::filesystem::temp_directory_path() / ("herald-shell-" + name + "-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    storage::store_options o;
    o.inline_io = true;
    store = std::move(storage::store::open(dir, o).value());
    where = std::make_shared<test_directory>(name);
    ctx = std::make_shared<node_context>();
    ctx->node_name = name;
    ctx->dir = where;
    ctx->store = store.get();
    ctx->catalog = std::make_shared<namespace_catalog>(store.get());
    ctx->stats = std::make_shared<metrics>();
    ctx->ids = std::make_shared<id_source>(name);
    ctx->passivate_after = 1000ms;
    namespace_settings s;
    s.name = "t";
    s.secret = "secret";
    s.message_ttl = 3600;
    REQUIRE(ctx->catalog->put(s));
    ns = sys.spawn(namespace_actor, std::string("t"), context_ptr(ctx));
    where->local_ns = ns;
  }
  ~test_node() {
    caf::anon_send_exit(ns, caf::exit_reason::user_shutdown);
    auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(ns.home_system().scheduler());
    while (sched.try_run_once()) {
    }
    ns = nullptr;
    store.reset();
    std::filesystem::remove_all(dir);
  }
  namespace_state& state() {
    return dynamic_cast<caf::stateful_actor<namespace_state>&>(*caf::actor_cast<caf::abstract_actor*>(ns)).state;
  }
  size_t stored(const std::string& user) { return store->inbox("t", user).value().size(); }
  double passivated() { return ctx->stats->passivated("user").Value(); }
};

struct fixture {
  config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  // Nothing runs unless the test runs it: not even the ends of the actors
  // the test leaves, so the system does not wait for them.
  fixture() { sys.await_actors_before_shutdown(false); }
  ~fixture() { run(); }

  // Runs every job until none is left (time stands still).
  void run() {
    while (sched.try_run_once()) {
    }
  }
  // Moves time past a passivation period (with its random quarter) and runs.
  void period() {
    sched.advance_time(1300ms);
    run();
  }
  // A whole quiet period as an actor sees it: its next tick re-arms with
  // the count of messages it has seen by then, and the one after finds no
  // new message.
  void quiet_period() {
    period();
    period();
  }

  caf::actor connect(test_node& n, const std::string& user, std::shared_ptr<recording_conn> conn,
                     const std::string& device = {}) {
    static int next = 0;
    session_info info{"s" + std::to_string(++next), user, device, n.ctx->node_name, 0};
    return spawn_session_actor(sys, "t", info, conn, n.ns, n.ctx);
  }

  // A push through the node's namespace actor, as the HTTP API makes it.
  std::shared_ptr<std::optional<result<uint64_t>>> push(test_node& n, const std::string& user, int64_t ttl) {
    auto out = std::make_shared<std::optional<result<uint64_t>>>();
    publish_request req;
    req.users = {user};
    req.ttl = ttl;
    req.msg = message{n.ctx->ids->next(), now_ms(), "api", "", "\"hi\""};
    auto ans = std::make_shared<answer>([out](result<uint64_t> r) { *out = std::move(r); });
    caf::anon_send(n.ns, publish_call{std::move(req), std::move(ans)});
    return out;
  }
};

wire::client_frame ping_with_id() {
  wire::client_frame f;
  f.type = wire::kind::ping;
  f.req_id = "7";
  return f;
}

}  // namespace

TEST_CASE_METHOD(fixture, "shell: frames sent before the attach settles wait, and welcome comes first", "[shell]") {
  test_node a(sys, "a");
  auto conn = std::make_shared<recording_conn>();
  auto s = connect(a, "u1", conn);
  caf::anon_send(s, ping_with_id());  // handled inline: held until the attach answer
  CHECK(conn->frames.empty());
  run();
  REQUIRE(conn->frames.size() == 2);
  CHECK(conn->frames[0].find("\"type\":\"welcome\"") != std::string::npos);
  CHECK(conn->frames[1] == R"({"type":"reply","id":7,"ok":true})");
  // No device, nothing to replay: parked at its home, no user actor.
  CHECK(a.state().home.parked("u1") == 1);
  CHECK(a.state().children.empty());
  CHECK(a.state().hub.size() == 1);
}

TEST_CASE_METHOD(fixture, "shell: a push activates a dormant user with its sessions, which it parks again when quiet",
                 "[shell]") {
  test_node a(sys, "a");
  auto conn = std::make_shared<recording_conn>();
  connect(a, "u1", conn);
  run();
  auto out = push(a, "u1", 0);
  run();
  REQUIRE(*out);
  CHECK(out->value().value() == 1);  // reached the parked session
  CHECK(conn->count("\"type\":\"message\"") == 1);
  CHECK(a.state().children.size() == 1);
  CHECK(a.state().home.parked("u1") == 0);  // the actor holds it now
  quiet_period();
  CHECK(a.state().children.empty());
  CHECK(a.state().home.parked("u1") == 1);
  CHECK(a.passivated() == 1);
  // Parked again, still reachable.
  out = push(a, "u1", 0);
  run();
  CHECK(out->value().value() == 1);
  CHECK(conn->count("\"type\":\"message\"") == 2);
}

TEST_CASE_METHOD(fixture, "shell: a session that ends leaves the hub and its dormant user, also mid-attach",
                 "[shell]") {
  test_node a(sys, "a");
  auto conn = std::make_shared<recording_conn>();
  auto s = connect(a, "u1", conn);
  run();
  REQUIRE(a.state().hub.size() == 1);
  REQUIRE(a.state().home.parked("u1") == 1);
  REQUIRE(a.state().home.users_online() == 1);
  caf::anon_send(s, session_closed{});  // its socket went
  run();
  CHECK(a.state().hub.size() == 0);
  CHECK(a.state().home.parked("u1") == 0);
  CHECK(a.state().home.users_online() == 0);
  // Ended before the namespace actor saw its attach: never added.
  auto conn2 = std::make_shared<recording_conn>();
  auto s2 = connect(a, "u2", conn2, "phone");  // a device: its attach waits for a store check
  caf::anon_send(s2, session_closed{});
  run();
  CHECK(a.state().hub.size() == 0);
  CHECK(a.state().attaching.empty());
  CHECK(a.state().home.parked("u2") == 0);
  // A push finds nobody.
  auto out = push(a, "u2", 0);
  run();
  REQUIRE(*out);
  CHECK(out->value().value() == 0);
}

TEST_CASE_METHOD(fixture, "shell: a message forwarded after a child offered to stop keeps it running", "[shell]") {
  test_node a(sys, "a");
  auto conn = std::make_shared<recording_conn>();
  connect(a, "u1", conn);
  run();
  push(a, "u1", 0);
  run();
  REQUIRE(a.state().children.size() == 1);
  auto child = a.state().home.find(key_kind::user, "u1")->actor;
  // The child's idle tick is due after a quiet period; a push reaches the
  // parent before the child's offer does: the counts differ, so the parent
  // declines.
  period();
  sched.advance_time(1300ms);
  auto out = push(a, "u1", 0);
  run();
  REQUIRE(*out);
  CHECK(out->value().value() == 1);
  CHECK(conn->count("\"type\":\"message\"") == 2);
  CHECK(a.passivated() == 0);
  REQUIRE(a.state().home.find(key_kind::user, "u1"));
  CHECK(a.state().home.find(key_kind::user, "u1")->actor == child);
  // The next quiet period it goes.
  quiet_period();
  CHECK(a.passivated() == 1);
  CHECK(a.state().children.empty());
}

TEST_CASE_METHOD(fixture, "shell: a device's attach needs an actor only while it has a backlog", "[shell]") {
  test_node a(sys, "a");
  auto out = push(a, "u2", 3600);  // durable, nobody online
  run();
  REQUIRE(*out);
  CHECK(out->value().value() == 0);
  CHECK(a.stored("u2") == 1);
  quiet_period();
  CHECK(a.state().children.empty());
  auto conn = std::make_shared<recording_conn>();
  connect(a, "u2", conn, "phone");
  run();
  // The store check found a backlog: an actor replayed it after welcome.
  REQUIRE(conn->frames.size() == 2);
  CHECK(conn->frames[0].find("welcome") != std::string::npos);
  CHECK(conn->frames[1].find("\"data\":\"hi\"") != std::string::npos);
}

TEST_CASE_METHOD(fixture, "shell: when a user's key moves, its durable state goes to the new owner, active or stored",
                 "[shell]") {
  test_node a(sys, "a"), b(sys, "b");
  push(a, "active", 3600);
  push(a, "stored", 3600);
  run();
  quiet_period();  // both passivate...
  push(a, "active", 3600);  // ...and one is active again
  run();
  REQUIRE(a.state().home.find(key_kind::user, "active"));
  REQUIRE_FALSE(a.state().home.find(key_kind::user, "stored"));
  CHECK(a.stored("active") == 2);
  CHECK(a.stored("stored") == 1);
  a.where->moved = {{"active", b.ns}, {"stored", b.ns}};
  caf::anon_send(a.ns, placement_changed{});
  run();
  CHECK(a.stored("active") == 0);
  CHECK(a.stored("stored") == 0);
  CHECK(b.stored("active") == 2);
  CHECK(b.stored("stored") == 1);
  CHECK(a.state().place.running() == 0);
  CHECK(a.state().children.empty());
  // Routed by key from a, a push now lands in b's inbox.
  auto out = push(a, "stored", 3600);
  run();
  REQUIRE(*out);
  CHECK(out->value().ok());
  CHECK(b.stored("stored") == 2);
  CHECK(a.stored("stored") == 0);
}

TEST_CASE_METHOD(fixture, "shell: a push reaching a user actor as it finishes handing off is forwarded, not bounced",
                 "[shell]") {
  test_node a(sys, "a"), b(sys, "b");
  push(a, "mover", 3600);
  run();
  REQUIRE(a.state().home.find(key_kind::user, "mover"));
  caf::actor child = a.state().home.find(key_kind::user, "mover")->actor;
  a.where->moved = {{"mover", b.ns}};
  caf::anon_send(a.ns, placement_changed{});
  // Step until the old owner's copy is deleted: the child's handoff is done.
  while (a.stored("mover") != 0) REQUIRE(sched.try_run_once());
  REQUIRE(b.stored("mover") == 1);
  // A push routed to it just then (by a node whose view still had the key
  // here while a membership change settles). It ended on its own before,
  // and the push was dropped: "the recipient ended without answering".
  auto out = std::make_shared<std::optional<result<uint64_t>>>();
  auto ans = std::make_shared<answer>([out](result<uint64_t> r) { *out = std::move(r); });
  caf::anon_send(child, u_push{"mover", message{a.ctx->ids->next(), now_ms(), "api", "", "\"late\""}, 3'600'000, ans});
  ans.reset();
  run();
  REQUIRE(*out);
  CHECK(out->value().ok());
  CHECK(b.stored("mover") == 2);
  CHECK(a.stored("mover") == 0);
  CHECK(a.state().children.empty());
  CHECK(a.state().place.running() == 0);
}
