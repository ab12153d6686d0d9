#include <catch2/catch.hpp>

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
