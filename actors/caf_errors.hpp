#pragma once
// herald's errors inside CAF: a handler that fails delivers to_caf(error),
// which keeps the error code and message across nodes (category "herald");
// a requester gets its error back with from_caf. CAF's own errors (a
// request timed out, an actor or node went down) read as `unavailable`.
// With errors.hpp's table this is the one way an internal failure becomes
// an HTTP status and code.
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include "actors/errors.hpp"

namespace herald {

inline constexpr caf::atom_value herald_error_category = caf::atom("herald");

inline caf::error to_caf(const error& e) {
  return caf::error(static_cast<uint8_t>(e.code), herald_error_category, caf::make_message(e.message));
}

inline error from_caf(const caf::error& e) {
  if (e.category() == herald_error_category) {
    auto& ctx = e.context();
    std::string msg = ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0) : std::string("error");
    return error{static_cast<errc>(e.code()), std::move(msg)};
  }
  return error{errc::unavailable, caf::to_string(e)};
}

}  // namespace herald
