// libFuzzer target: the INI reader and the config built from it
// (apps/config): any text is a config or a clear error.
#include <cstdint>
#include <string>

#include "apps/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto m = herald::parse_ini(text);
  if (m) herald::build_config(m.value());
  return 0;
}
