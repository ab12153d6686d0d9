#include "net/thread_priority.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace herald {

namespace {
constexpr int lower_by = 10;

id_t this_thread() { return static_cast<id_t>(syscall(SYS_gettid)); }

// The thread's nice value, or false when it cannot be read.
bool nice_of(id_t tid, int& nice) {
  errno = 0;
  nice = getpriority(PRIO_PROCESS, tid);
  return !(nice == -1 && errno != 0);
}

bool set_nice(id_t tid, int nice) { return setpriority(PRIO_PROCESS, tid, nice) == 0; }

// On a thread of its own, so that a failed restore leaves no thread of the
// node low.
bool probe() {
  bool ok = false;
  std::thread([&ok] {
    auto tid = this_thread();
    int nice = 0;
    if (!nice_of(tid, nice) || nice + lower_by > 19) return;
    ok = set_nice(tid, nice + lower_by) && set_nice(tid, nice);
  }).join();
  return ok;
}
}  // namespace

bool lowered_priority::available() {
  static const bool ok = probe();
  return ok;
}

lowered_priority::lowered_priority() {
  if (!available()) return;
  auto tid = this_thread();
  if (nice_of(tid, restore_) && restore_ + lower_by <= 19) lowered_ = set_nice(tid, restore_ + lower_by);
}

lowered_priority::~lowered_priority() {
  if (lowered_) set_nice(this_thread(), restore_);
}

}  // namespace herald
