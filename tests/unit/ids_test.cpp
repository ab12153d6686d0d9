#include <catch2/catch.hpp>

#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "actors/ids.hpp"

using namespace herald;

TEST_CASE("ids are unique across threads and differ between nodes") {
  id_source a("node1"), b("node2");
  CHECK(a.tag() != b.tag());
  std::set<std::string> seen;
  std::mutex m;
  std::vector<std::thread> ts;
  for (int k = 0; k < 4; ++k)
    ts.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 5000; ++i) mine.push_back(a.next());
      std::lock_guard lock(m);
      seen.insert(mine.begin(), mine.end());
    });
  for (auto& t : ts) t.join();
  CHECK(seen.size() == 20000);
  CHECK(a.next().find(a.tag()) != std::string::npos);
}

TEST_CASE("format_id writes what printf's %011llx-%s-%llx writes") {
  const uint64_t values[] = {0, 1, 0xf, 0x10, 0x19bd2c0a3f1, 0xfffffffffff, 0x100000000000, UINT64_MAX};
  for (auto ms : values)
    for (auto seq : values) {
      char buf[80];
      std::snprintf(buf, sizeof buf, "%011llx-%s-%llx", static_cast<unsigned long long>(ms), "a1b2c3",
                    static_cast<unsigned long long>(seq));
      CHECK(format_id(ms, "a1b2c3", seq) == buf);
    }
}
