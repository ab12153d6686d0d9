#include "apps/allocator.hpp"

#include <cstdint>
#include <cstdlib>

#ifdef HERALD_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace herald {

std::string allocator_name() {
#ifdef HERALD_JEMALLOC
  const char* version = nullptr;
  size_t len = sizeof(version);
  if (mallctl("version", &version, &len, nullptr, 0) != 0) return "system";
  // The library can be loaded and still lose malloc() to an earlier
  // definition (a preload, link order): jemalloc counts this thread's
  // allocations only if they are its own.
  std::uint64_t before = 0, after = 0;
  len = sizeof(before);
  mallctl("thread.allocated", &before, &len, nullptr, 0);
  void* volatile probe = std::malloc(1 << 16);
  len = sizeof(after);
  mallctl("thread.allocated", &after, &len, nullptr, 0);
  std::free(probe);
  if (after - before < (1u << 16)) return "system";
  return std::string("jemalloc ") + version;
#else
  return "system";
#endif
}

}  // namespace herald
