#pragma once
// The one result template, `expected<T, E>`: a T or an error E. Errors are
// values at module edges. storage/ is the lowest layer, so the template
// lives here; storage names its own error type (`storage::failure`) and
// actors/errors.hpp names herald's (`error`, with its code table). Callers
// map a storage failure to an error code where they take it in
// (actors/errors.hpp: from_store).
#include <string>
#include <utility>
#include <variant>

namespace herald {

template <class T, class E>
class expected {
 public:
  expected(T value) : v_(std::move(value)) {}
  expected(E e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

struct ok_t {};

namespace storage {

// What went wrong, as far as the store can tell.
enum class fault {
  io,       // RocksDB reported an I/O error or could not write
  busy,     // the data_dir is held by another process
  corrupt,  // the data is not what herald wrote (or not herald's)
  unusable, // the data_dir cannot be used (permissions, not a directory)
};

struct failure {
  fault kind;
  std::string message;
};

template <class T>
using result = expected<T, failure>;
using status = result<ok_t>;
inline status ok() { return ok_t{}; }

}  // namespace storage
}  // namespace herald
