#pragma once
// A JSON reader for hot paths that need a few fields of a document and keep
// the rest as text. It accepts exactly what nlohmann::json::parse accepts
// (RFC 8259, strict UTF-8, paired \u surrogates, a leading UTF-8 BOM; tested
// against nlohmann over generated and mutated documents) up to max_depth
// levels of nesting, but builds no tree:
// a push body's members are spans of the body. nlohmann's parse and the
// dump of "data" were ~16k instructions of a ~215k-instruction push
// (docs/benchmarks.md, "Profiles").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::json_scan {

enum class kind : uint8_t { null, boolean, number, string, array, object };

// The deepest nesting of arrays and objects herald accepts in any JSON it
// reads (push bodies, client frames, admin bodies, settings). Deeper text
// is invalid here, so nothing deeper is ever stored, and no later reader
// (nlohmann's dump is recursive) can be made to overflow its stack.
constexpr size_t max_depth = 64;

// One JSON value: its kind and its text as given (no surrounding whitespace).
struct value {
  kind k = kind::null;
  std::string_view text;
};

struct member {
  std::string key;  // decoded
  value v;
};

// True when `text` is one JSON value, with only whitespace around it and
// nested at most max_depth levels (as for every function here).
bool valid(std::string_view text);

// The members of `text` in document order, or nullopt unless `text` is one
// valid JSON object (with only whitespace around it).
std::optional<std::vector<member>> object(std::string_view text);

// The elements of `text`, or nullopt unless it is one valid JSON array.
std::optional<std::vector<value>> array(std::string_view text);

// The member named `key`; of duplicates the last, as nlohmann keeps it.
const value* find(const std::vector<member>& members, std::string_view key);

// The members or elements of `v` (a member found, or none) when it is an
// object or an array; nullopt when it is absent or of another kind.
std::optional<std::vector<member>> object_of(const value* v);
std::optional<std::vector<value>> array_of(const value* v);

// The decoded content of a string value's text (quotes included, valid).
std::string string(std::string_view text);

// The value of a number's text when it is an integer (no fraction or
// exponent) within int64_t.
std::optional<int64_t> integer(std::string_view text);
// The same for a non-negative integer within uint64_t.
std::optional<uint64_t> unsigned_integer(std::string_view text);

// A valid value's text without the whitespace outside its strings.
std::string compact(std::string_view text);

}  // namespace herald::json_scan
