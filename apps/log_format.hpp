#pragma once
// [log] format = json: each log line one JSON object, for log collectors
// that parse rather than grep: {"ts","level","node","msg"}. The message is
// escaped as a JSON string (spdlog's patterns do not escape).
#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>

namespace herald {

class json_log_formatter final : public spdlog::formatter {
 public:
  explicit json_log_formatter(std::string node) : node_(std::move(node)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto secs = std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time).time_since_epoch().count();
    nlohmann::json j{{"ts", secs / 1000.0},
                     {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                           spdlog::level::to_string_view(msg.level).size())},
                     {"node", node_},
                     {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    // Invalid UTF-8 in a message (a client's bytes) is replaced, not thrown on.
    auto line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_log_formatter>(node_); }

 private:
  std::string node_;
};

}  // namespace herald
