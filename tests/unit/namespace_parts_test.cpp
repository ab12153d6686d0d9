// The namespace actor's three parts, driven without an actor system:
// local_hub (fan-out), home_registry (activation, passivation handshake,
// dormancy, pending checks) and placement (epoch, handoff queue, sweep);
// and the interface checks that make protocols compile-checked.
#include <catch2/catch.hpp>

#include "actors/home_registry.hpp"
#include "actors/ids.hpp"
#include "actors/key_protocol.hpp"
#include "actors/local_hub.hpp"
#include "actors/placement.hpp"
#include "actors/protocol.hpp"

using namespace herald;

namespace {
struct fake_conn : connection {
  std::vector<frame_ptr> frames;
  std::vector<uint16_t> closes;
  bool send(frame_ptr f) override {
    frames.push_back(std::move(f));
    return true;
  }
  void close(uint16_t code, std::string) override { closes.push_back(code); }
  void wake_all(std::vector<connection_ptr>&&) override {}
};

void add(local_hub& hub, const std::string& id, const std::string& user, const std::string& client,
         std::shared_ptr<fake_conn> c) {
  hub.add(session_info{id, user, client, "n1", 0}, {}, std::move(c));
}

message msg(const std::string& id) { return message{id, 1, "api", "", "1"}; }

session_ref ref(const std::string& id, const std::string& user) { return session_ref{{id, user, "", "n1", 0}, {}, {}}; }
}  // namespace

TEST_CASE("local_hub: a (user, device) target reaches that user's device, a plain id every user's", "[local_hub]") {
  local_hub hub{nullptr};
  auto ann = std::make_shared<fake_conn>(), ben = std::make_shared<fake_conn>(), bare = std::make_shared<fake_conn>();
  add(hub, "s1", "ann", "phone", ann);
  add(hub, "s2", "ben", "phone", ben);
  add(hub, "s3", "ann", "", bare);
  CHECK(hub.to_clients(msg("m1"), {}, {"ann"}, {"phone"}) == 1);
  CHECK(ann->frames.size() == 1);
  CHECK(ben->frames.empty());
  CHECK(hub.to_clients(msg("m2"), {"phone"}, {"ann"}, {"phone"}) == 2);  // both phones, ann's once
  CHECK(ann->frames.size() == 2);
  CHECK(ben->frames.size() == 1);
  CHECK(hub.to_clients(msg("m3"), {}, {"ben"}, {"tablet"}) == 0);
  CHECK(bare->frames.empty());  // a session without a device is no device's
}

TEST_CASE("local_hub: one encoded frame shared by every recipient, rooms skip the publisher", "[local_hub]") {
  local_hub hub{nullptr};
  auto a = std::make_shared<fake_conn>(), b = std::make_shared<fake_conn>(), c = std::make_shared<fake_conn>();
  add(hub, "s1", "u1", "phone", a);
  add(hub, "s2", "u2", "", b);
  add(hub, "s3", "u1", "laptop", c);
  REQUIRE(hub.size() == 3);
  REQUIRE(hub.join("s1", "r"));
  REQUIRE(hub.join("s2", "r"));
  REQUIRE_FALSE(hub.join("nobody", "r"));

  CHECK(hub.to_room("r", msg("m1"), "s1") == 1);
  CHECK(a->frames.empty());
  REQUIRE(b->frames.size() == 1);
  CHECK(b->frames[0]->find("\"id\":\"m1\"") != std::string::npos);

  CHECK(hub.to_all(msg("m2")) == 3);
  CHECK(a->frames.back() == b->frames.back());  // the same bytes, encoded once
  CHECK(a->frames.back() == c->frames.back());

  CHECK(hub.to_clients(msg("m3"), {"laptop", "tablet"}) == 1);
  CHECK(c->frames.size() == 2);
  CHECK(hub.to_sessions(msg("m4"), {"s3", "gone"}) == 1);
  CHECK(hub.replay("s2", {msg("m5"), msg("m6")}) == 2);
  CHECK(b->frames.size() == 4);
  CHECK(hub.delivered(now_ms()).minute == 1 + 3 + 1 + 1 + 2);
}

TEST_CASE("local_hub: a removed session leaves its rooms and says which they were", "[local_hub]") {
  local_hub hub{nullptr};
  auto a = std::make_shared<fake_conn>();
  add(hub, "s1", "u1", "", a);
  hub.join("s1", "r1");
  hub.join("s1", "r2");
  hub.leave("s1", "r2");
  auto gone = hub.remove("s1");
  REQUIRE(gone);
  CHECK(std::vector<std::string>(gone->rooms.begin(), gone->rooms.end()) == std::vector<std::string>{"r1"});
  CHECK_FALSE(hub.remove("s1"));
  CHECK(hub.to_room("r1", msg("m"), "") == 0);
  CHECK(a->frames.empty());
}

TEST_CASE("local_hub: close_all closes every connection, clear forgets them", "[local_hub]") {
  local_hub hub{nullptr};
  auto a = std::make_shared<fake_conn>(), b = std::make_shared<fake_conn>();
  add(hub, "s1", "u1", "", a);
  add(hub, "s2", "u2", "", b);
  CHECK(hub.close_all(4000, "bye") == 2);
  CHECK(a->closes == std::vector<uint16_t>{4000});
  hub.clear();
  CHECK(hub.size() == 0);
}

TEST_CASE("local_hub: a drain closes its sessions spread over the steps, each once", "[local_hub]") {
  local_hub hub{nullptr};
  std::vector<std::shared_ptr<fake_conn>> conns;
  for (int i = 0; i < 4; ++i) {
    conns.push_back(std::make_shared<fake_conn>());
    add(hub, "s" + std::to_string(i), "u", "", conns.back());
  }
  // 4 sessions over 20 steps: one at each of 4 steps spread over the
  // second half, not all in the first four (rounded up, that was the case).
  std::vector<uint32_t> closing_steps;
  for (uint32_t left = 20; left > 0; --left)
    if (hub.close_share(1001, "bye", left) > 0) closing_steps.push_back(left);
  CHECK(closing_steps == std::vector<uint32_t>{8, 6, 4, 2});
  for (auto& c : conns) CHECK(c->closes == std::vector<uint16_t>{1001});
  // Closed ones stay until their session ends; a last step closes nothing twice.
  CHECK(hub.size() == 4);
  CHECK(hub.close_share(1001, "bye", 1) == 0);
  // Many sessions: each step closes its share, the last one the rest.
  local_hub big{nullptr};
  for (int i = 0; i < 1000; ++i) add(big, "b" + std::to_string(i), "u", "", std::make_shared<fake_conn>());
  uint64_t total = 0;
  for (uint32_t left = 20; left > 1; --left) {
    auto n = big.close_share(1001, "bye", left);
    CHECK(n >= 45);
    CHECK(n <= 55);
    total += n;
  }
  total += big.close_share(1001, "bye", 1);
  CHECK(total == 1000);
}

TEST_CASE("home_registry: a child stops only when it has seen all that was forwarded", "[home_registry]") {
  home_registry home;
  REQUIRE(home.find(key_kind::user, "u1") == nullptr);
  auto& c = home.add(key_kind::user, "u1", {});
  c.sent = 3;
  CHECK_FALSE(home.accept_idle(key_kind::user, "u1", 2));  // one still on its way
  REQUIRE(home.find(key_kind::user, "u1"));
  home.find(key_kind::user, "u1")->leaving = true;
  CHECK_FALSE(home.accept_idle(key_kind::user, "u1", 3));  // handing off: it ends by itself
  home.find(key_kind::user, "u1")->leaving = false;
  CHECK(home.accept_idle(key_kind::user, "u1", 3));
  CHECK(home.find(key_kind::user, "u1") == nullptr);
  // Users and rooms are separate tables.
  home.add(key_kind::room, "u1", {});
  CHECK(home.find(key_kind::user, "u1") == nullptr);
  CHECK(home.find(key_kind::room, "u1") != nullptr);
}

TEST_CASE("home_registry: an ended child is forgotten only if it still holds its key", "[home_registry]") {
  home_registry home;
  home.add(key_kind::room, "r", {}).leaving = true;
  CHECK(home.ended(key_kind::room, "r", caf::actor_addr{}) == std::optional<bool>{true});
  CHECK(home.find(key_kind::room, "r") == nullptr);
  CHECK_FALSE(home.ended(key_kind::room, "r", caf::actor_addr{}));  // passivated before: nothing to do
}

TEST_CASE("home_registry: parked sessions of a dormant user, once each, online while any", "[home_registry]") {
  home_registry home;
  CHECK(home.park("u1", ref("s1", "u1")) == 1);
  CHECK(home.park("u1", ref("s1", "u1")) == 1);  // the same session twice
  CHECK(home.park("u1", ref("s2", "u1")) == 2);
  CHECK(home.parked("u1") == 2);
  CHECK(home.users_online() == 1);
  home.forget("u1", "s1");
  CHECK(home.users_online() == 1);
  home.forget("u1", "s2");
  CHECK(home.users_online() == 0);
  CHECK(home.dormant_users().empty());
  home.park("u2", ref("s3", "u2"));
  CHECK(home.park_local("u2", "s4") == 2);
  CHECK(home.park_local("u2", "s4") == 2);  // a local one twice
  auto taken = home.unpark("u2");
  REQUIRE(taken.remote.size() == 1);
  CHECK(taken.remote[0].info.session == "s3");
  CHECK(taken.local == std::vector<std::string>{"s4"});
  CHECK(home.parked("u2") == 0);
  // The user's actor reports presence from now on.
  CHECK(home.users_online() == 1);
  home.set_online(key_kind::user, "u2", false);
  CHECK(home.users_online() == 0);
}

TEST_CASE("home_registry: an attach waits for its backlog check under a token", "[home_registry]") {
  home_registry home;
  int called = 0;
  auto t1 = home.wait_for_check({ref("s1", "u1"), [&](handle<user_interface>, uint64_t) { ++called; }});
  auto t2 = home.wait_for_check({ref("s2", "u1"), [&](handle<user_interface>, uint64_t) { called += 10; }});
  CHECK(t1 != t2);
  auto p = home.checked(t2);
  REQUIRE(p);
  CHECK(p->ref.info.session == "s2");
  p->then({}, 0);
  CHECK(called == 10);
  CHECK_FALSE(home.checked(t2));
  CHECK(home.checked(t1));
}

TEST_CASE("placement: handoffs a batch at a time, skipping keys that need none", "[placement]") {
  placement p;
  CHECK(p.epoch() == 0);
  p.changed();
  CHECK(p.epoch() == 1);
  for (int i = 0; i < 100; ++i) p.queue(key_kind::user, "u" + std::to_string(i));
  p.queue(key_kind::room, "active");
  auto first = p.next([](key_kind, const std::string& k) { return k == "u5"; });
  CHECK(first.size() == placement::max_handoffs);
  CHECK(std::none_of(first.begin(), first.end(), [](auto& k) { return k.second == "u5"; }));
  CHECK(p.running() == placement::max_handoffs);
  CHECK(p.next([](key_kind, const std::string&) { return false; }).empty());  // no room
  p.finished();
  p.finished();
  auto more = p.next([](key_kind, const std::string&) { return false; });
  CHECK(more.size() == 2);
  p.started();  // an active actor handing off counts too
  CHECK(p.running() == placement::max_handoffs + 1);
}

TEST_CASE("placement: a drain waits for queued, running and scanning handoffs", "[placement]") {
  placement p;
  CHECK(p.pending() == 0);
  p.scan_started();  // the store is being listed: unknown keys may come
  CHECK(p.pending() == 1);
  p.queue(key_kind::user, "a");
  p.queue(key_kind::user, "b");
  p.scan_done();
  CHECK(p.pending() == 2);
  auto batch = p.next([](key_kind, const std::string&) { return false; });
  CHECK(batch.size() == 2);
  CHECK(p.pending() == 2);  // running now
  p.finished();
  p.finished();
  p.finished();  // more finishes than starts never go below zero
  CHECK(p.pending() == 0);
  p.scan_done();
  CHECK(p.pending() == 0);
}

TEST_CASE("placement: one sweep scheduled at a time", "[placement]") {
  placement p;
  CHECK(p.want_sweep());
  CHECK_FALSE(p.want_sweep());
  p.swept();
  CHECK(p.want_sweep());
}

namespace {
struct only_a {};
struct only_b {};
using ab = interface<only_a, only_b>;
auto on_a = [](only_a&) {};
auto on_b = [](const only_b&) {};
auto on_int = [](int) {};
}  // namespace

TEST_CASE("interfaces: a message outside one, or handlers missing one, are caught at compile time", "[interface]") {
  static_assert(in_interface_v<ab, only_a>);
  static_assert(!in_interface_v<ab, int>);
  static_assert(detail::covers<ab, decltype(on_a), decltype(on_b)>::value);
  static_assert(detail::covers<ab, decltype(on_b), decltype(on_int), decltype(on_a)>::value);
  static_assert(!detail::covers<ab, decltype(on_a), decltype(on_int)>::value);
  // The key-routed messages name their key and kind.
  static_assert(kind_of<u_push>() == key_kind::user);
  static_assert(kind_of<r_history>() == key_kind::room);
  CHECK(key_of(u_kick{"alice", 4000, {}}) == "alice");
  CHECK(key_of(r_leave{"lobby", "s1"}) == "lobby");
  static_assert(in_interface_v<user_interface, u_ack>);
  static_assert(!in_interface_v<user_interface, r_join>);
  static_assert(in_interface_v<fanout_interface, room_deliver>);
}

TEST_CASE("handles: a sender can only send a message of the receiver's interface", "[interface]") {
  // Each line would not compile as a tell() (no overload takes it).
  static_assert(can_tell<user_interface, u_push>::value);
  static_assert(!can_tell<user_interface, r_join>::value);
  static_assert(!can_tell<fanout_interface, u_push>::value);
  static_assert(can_tell<fanout_interface, deliver>::value);
  static_assert(!can_tell<parent_interface, child_stop>::value);
  static_assert(can_tell<child_interface, child_stop>::value);
  static_assert(!can_tell<session_interface, deliver>::value);
  static_assert(can_tell<namespace_interface, u_push>::value);
  static_assert(can_tell<namespace_interface, deliver>::value);
  static_assert(!can_tell<namespace_interface, child_stop>::value);
  // A namespace actor's handle narrows to each of its interfaces, never
  // the other way, and a user's handle is not a room's.
  static_assert(std::is_convertible_v<ns_handle, handle<fanout_interface>>);
  static_assert(std::is_convertible_v<ns_handle, handle<user_interface>>);
  static_assert(!std::is_convertible_v<handle<fanout_interface>, ns_handle>);
  static_assert(!std::is_convertible_v<handle<user_interface>, handle<room_interface>>);
}

TEST_CASE("home_registry: presence changes once per user, not when it moves", "[home_registry]") {
  home_registry home;
  std::vector<std::pair<std::string, bool>> seen;
  home.on_presence = [&](const std::string& u, bool on) { seen.emplace_back(u, on); };
  home.park("u1", ref("s1", "u1"));
  home.park("u1", ref("s2", "u1"));  // a second session: still the one online
  CHECK(seen == std::vector<std::pair<std::string, bool>>{{"u1", true}});
  home.unpark("u1");                              // its actor takes the sessions
  home.set_online(key_kind::user, "u1", true);    // and says it has them: no change
  home.set_online(key_kind::user, "u1", false);   // the last one ended
  home.set_online(key_kind::user, "u2", true);
  home.set_online(key_kind::user, "u2", false, true);  // moved to another home
  home.set_online(key_kind::room, "r", true);          // rooms are not users
  CHECK(seen == std::vector<std::pair<std::string, bool>>{{"u1", true}, {"u1", false}, {"u2", true}});
  home.park("u3", ref("s3", "u3"));
  home.forget("u3", "s3");
  CHECK(seen.back() == std::pair<std::string, bool>{"u3", false});
  CHECK(home.users_online() == 0);
}
