#include "actors/ids.hpp"

#include <chrono>
#include <cstdio>

namespace herald {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

id_source::id_source(std::string_view node_name) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : node_name) h = (h ^ c) * 16777619u;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", h & 0xffffffu);
  tag_ = buf;
}

std::string id_source::next() {
  char buf[64];
  auto n = std::snprintf(buf, sizeof buf, "%011llx-%s-%llx",
                         static_cast<unsigned long long>(now_ms()), tag_.c_str(),
                         static_cast<unsigned long long>(seq_.fetch_add(1, std::memory_order_relaxed)));
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace herald
