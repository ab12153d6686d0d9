// libFuzzer target: json_scan on any text, as push bodies and frames use
// it. Differential: what json_scan accepts, nlohmann accepts too, and its
// compact form parses to the same document; object members and array
// elements are valid values themselves.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"
#include "actors/wire.hpp"

namespace js = herald::json_scan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  bool valid = js::valid(text);
  if (valid) {
    if (!nlohmann::json::accept(text)) std::abort();
    auto compact = js::compact(text);
    if (nlohmann::json::parse(compact) != nlohmann::json::parse(text)) std::abort();
  }
  if (auto obj = js::object(text)) {
    if (!valid) std::abort();
    for (auto& m : *obj)
      if (!js::valid(m.v.text)) std::abort();
    // As a push body reads its targets.
    std::vector<std::string> users;
    herald::wire::read_id_list(*obj, "users", "to.users", 1000, users, false);
    if (auto* t = js::find(*obj, "ttl"); t && t->k == js::kind::number) js::integer(t->text);
  }
  if (auto arr = js::array(text)) {
    if (!valid) std::abort();
    for (auto& v : *arr) {
      if (!js::valid(v.text)) std::abort();
      if (v.k == js::kind::string) js::string(v.text);
    }
  }
  return 0;
}
