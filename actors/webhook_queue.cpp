#include "actors/webhook_queue.hpp"

#include <algorithm>
#include <cmath>

namespace herald {

std::vector<uint64_t> webhook_queue::push(event e) {
  bytes_ += e.text.size();
  events_.push_back(std::move(e));
  std::vector<uint64_t> dropped;
  // The batch in flight stays whole: the receiver may have it already.
  while (bytes_ > bounds_.max_bytes && events_.size() > in_flight_) {
    auto at = events_.begin() + static_cast<std::ptrdiff_t>(in_flight_);
    bytes_ -= at->text.size();
    dropped.push_back(at->seq);
    events_.erase(at);
  }
  return dropped;
}

std::vector<uint64_t> webhook_queue::expire(int64_t now) {
  std::vector<uint64_t> dropped;
  while (events_.size() > in_flight_) {
    auto at = events_.begin() + static_cast<std::ptrdiff_t>(in_flight_);
    if (now - at->at_ms <= bounds_.retry_ms) break;
    bytes_ -= at->text.size();
    dropped.push_back(at->seq);
    events_.erase(at);
  }
  // A batch in flight that has aged out goes once its attempt fails.
  return dropped;
}

std::string webhook_queue::take_batch() {
  if (in_flight_ > 0 || events_.empty()) return {};
  in_flight_ = std::min(events_.size(), std::max<size_t>(1, bounds_.batch));
  std::string out = R"({"events":[)";
  for (size_t i = 0; i < in_flight_; ++i) {
    if (i) out += ',';
    out += events_[i].text;
  }
  return out + "]}";
}

std::vector<uint64_t> webhook_queue::in_flight_seqs() const {
  std::vector<uint64_t> out;
  for (size_t i = 0; i < in_flight_; ++i) out.push_back(events_[i].seq);
  return out;
}

std::vector<uint64_t> webhook_queue::delivered() {
  auto seqs = in_flight_seqs();
  for (size_t i = 0; i < in_flight_; ++i) bytes_ -= events_[i].text.size();
  events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
  in_flight_ = 0;
  attempts_ = 0;
  return seqs;
}

int64_t webhook_queue::failed(double random) {
  in_flight_ = 0;  // taken again, with whatever came meanwhile
  auto exp = std::min<uint32_t>(attempts_, 10);
  ++attempts_;
  double ceiling = std::min(500.0 * std::pow(2.0, exp), 300000.0);
  // Half fixed, half random: receivers that came back are not hit by every
  // node in the same instant.
  return static_cast<int64_t>(ceiling / 2 + ceiling / 2 * std::clamp(random, 0.0, 1.0));
}

}  // namespace herald
