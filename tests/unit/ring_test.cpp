#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "cluster/cluster_directory.hpp"
#include "cluster/ring.hpp"

using namespace herald::cluster;
using herald::member;

namespace {
std::vector<std::string> keys(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(ring::user_key("demo", "user-" + std::to_string(i)));
  return out;
}
std::map<std::string, std::string> placement(const ring& r, const std::vector<std::string>& ks) {
  std::map<std::string, std::string> out;
  for (auto& k : ks) out[k] = r.owner(k);
  return out;
}
}  // namespace

TEST_CASE("keys spread evenly over the nodes") {
  for (size_t n : {2u, 3u, 6u}) {
    std::vector<std::string> nodes;
    for (size_t i = 0; i < n; ++i) nodes.push_back("node" + std::to_string(i + 1));
    ring r(nodes);
    std::map<std::string, size_t> count;
    auto ks = keys(60000);
    for (auto& k : ks) ++count[r.owner(k)];
    REQUIRE(count.size() == n);
    double fair = 60000.0 / n;
    for (auto& [node, c] : count) {
      INFO(node << " owns " << c << " of 60000 with " << n << " nodes");
      CHECK(std::abs(static_cast<double>(c) - fair) < 0.05 * fair);
    }
  }
}

TEST_CASE("a joining node takes about 1/N of the keys, only from others") {
  auto ks = keys(30000);
  ring before({"a", "b", "c"});
  ring after({"a", "b", "c", "d"});
  auto p0 = placement(before, ks), p1 = placement(after, ks);
  size_t moved = 0;
  for (auto& k : ks)
    if (p0[k] != p1[k]) {
      ++moved;
      CHECK(p1[k] == "d");  // keys only move to the newcomer
    }
  CHECK(moved > 30000 * 0.22);
  CHECK(moved < 30000 * 0.28);
}

TEST_CASE("a leaving node's keys move, no others") {
  auto ks = keys(30000);
  ring before({"a", "b", "c", "d"});
  ring after({"a", "b", "d"});
  auto p0 = placement(before, ks), p1 = placement(after, ks);
  for (auto& k : ks) {
    if (p0[k] != "c") CHECK(p1[k] == p0[k]);
    else CHECK(p1[k] != "c");
  }
}

TEST_CASE("placement does not depend on the order nodes are listed in") {
  ring a({"x", "y", "z"}), b({"z", "x", "y", "x"});
  CHECK(b.size() == 3);
  for (auto& k : keys(1000)) CHECK(a.owner(k) == b.owner(k));
  CHECK(ring::user_key("ns", "a") != ring::room_key("ns", "a"));
  CHECK(ring::user_key("ns", "a").size() == 6);
  CHECK(hash64("node1") == hash64("node1"));
  CHECK(hash64("node1") != hash64("node2"));
}

TEST_CASE("a draining member owns no keys: the ring is the others, or all if every member drains") {
  cluster_directory dir("a");
  auto names = [&] {
    auto n = dir.member_names();
    std::sort(n.begin(), n.end());
    return n;
  };
  std::vector<member> view{{"a", "", "", false}, {"b", "", "", false}, {"c", "", "", true}};
  dir.set_members({{"b", {}}, {"c", {}}}, view);
  CHECK(names() == std::vector<std::string>{"a", "b"});
  // This node drains: its keys go to the others.
  view[0].draining = true;
  dir.set_members({{"b", {}}, {"c", {}}}, view);
  CHECK(names() == std::vector<std::string>{"b"});
  // Everyone drains: keys keep an owner.
  view[1].draining = true;
  dir.set_members({{"b", {}}, {"c", {}}}, view);
  CHECK(names() == std::vector<std::string>{"a", "b", "c"});
  // The view still lists every member, with its state.
  CHECK(dir.members().size() == 3);
  CHECK(dir.members()[2].draining);
}
