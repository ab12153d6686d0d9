#include <catch2/catch.hpp>

#include <cstdio>
#include <mutex>
#include <set>
#include <string_view>
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

TEST_CASE("session ids fit the inline buffer, are unique, and keep every bit") {
  id_source a("node1"), b("node2");
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    auto x = a.next_session(), y = b.next_session();
    CHECK(x.size() == 15);
    CHECK(x[0] == 's');
    CHECK(x.capacity() <= std::string().capacity());  // no heap block: what it is for
    seen.insert(x);
    seen.insert(y);
  }
  CHECK(seen.size() == 40000);
  // Each field reaches the text: ids that differ in one bit of tag, time or
  // sequence differ, and the mixed digit (time's low bits with the
  // sequence's high ones) carries both.
  const uint64_t ms = 1764700000000;
  std::set<std::string> one_bit;
  one_bit.insert(format_session_id(0x123456, ms, 0x54321));
  for (int i = 0; i < 24; ++i) one_bit.insert(format_session_id(0x123456 ^ (1u << i), ms, 0x54321));
  for (int i = 0; i < 40; ++i) one_bit.insert(format_session_id(0x123456, ms ^ (uint64_t{1} << i), 0x54321));
  for (int i = 0; i < 20; ++i) one_bit.insert(format_session_id(0x123456, ms, 0x54321 ^ (1u << i)));
  CHECK(one_bit.size() == 85);
  for (auto& id : one_bit)
    for (char c : id.substr(1)) CHECK(std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-").find(c) != std::string_view::npos);
  // The sequence wraps at 2^20 within one ms only: a later ms is another id.
  CHECK(format_session_id(1, ms, 5) == format_session_id(1, ms, 5 + (1u << 20)));
  CHECK(format_session_id(1, ms, 5) != format_session_id(1, ms + 1, 5 + (1u << 20)));
}
