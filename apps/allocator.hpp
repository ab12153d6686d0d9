#pragma once
// Which malloc this process runs on, as the startup log names it: the
// server is linked with jemalloc (HERALD_JEMALLOC, the default), whose
// per-thread caches take the frees of memory another thread allocated
// without the arena lock glibc's malloc contends on (docs/benchmarks.md,
// "The allocator").
#include <string>

namespace herald {

// "jemalloc 5.3.0-..." when malloc() in this process is jemalloc's (checked
// by allocating, not only by the library being loaded), else "system"
// (glibc's, or a preloaded one's).
std::string allocator_name();

}  // namespace herald
