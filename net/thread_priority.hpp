#pragma once
// A scope in which the calling thread runs at a lower priority (nice +10),
// for a big fan-out's delayed writes: the API's threads (a publish's round
// trip) then run first when both want a core. Only when the process may
// raise the priority back afterwards (root, CAP_SYS_NICE, or RLIMIT_NICE
// of at least 20 - nice, as packaging/herald.service sets): lowering it is
// always allowed, but without one of those the thread would stay low for
// good. Checked once per process; without it the scope does nothing.
namespace herald {

class lowered_priority {
 public:
  lowered_priority();
  ~lowered_priority();
  lowered_priority(const lowered_priority&) = delete;
  lowered_priority& operator=(const lowered_priority&) = delete;

  // Whether this process can lower a thread's priority and restore it.
  static bool available();

 private:
  int restore_ = 0;
  bool lowered_ = false;
};

}  // namespace herald
