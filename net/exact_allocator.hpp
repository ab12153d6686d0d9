#pragma once
// An allocator that takes exactly what is asked from the heap, for Asio
// operations that stay pending long (an idle connection's readiness wait).
// Asio's default for a handler without one is a per-thread recycling
// cache, which hands out a reused block sized for the largest operation
// the thread freed: the upgrade's Beast HTTP read, ~430 B for a wait of
// ~100 B, held for as long as the connection is idle.
#include <cstddef>
#include <new>

namespace herald {

template <class T>
struct exact_allocator {
  using value_type = T;
  exact_allocator() = default;
  template <class U>
  exact_allocator(const exact_allocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) { ::operator delete(p); }
  template <class U>
  bool operator==(const exact_allocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const exact_allocator<U>&) const { return false; }
};

}  // namespace herald
