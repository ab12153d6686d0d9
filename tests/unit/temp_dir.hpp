#pragma once
// A fresh, empty directory under the system temp dir for one test.
#include <filesystem>
#include <string>
#include <unistd.h>

inline std::string temp_dir(const char* tag) {
  auto d = std::filesystem::temp_directory_path() /
           ("herald-" + std::string(tag) + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}
