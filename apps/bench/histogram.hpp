#pragma once
// Latency histogram for herald-bench: log-linear buckets (32 per power of
// two, so a percentile is within about 3 % of the true value) over
// microseconds, fixed memory, O(1) record. Pure; merged across threads.
#include <array>
#include <cstdint>

namespace herald::bench {

class histogram {
 public:
  static constexpr int sub_bits = 5;
  static constexpr int sub = 1 << sub_bits;
  static constexpr int buckets = (64 - sub_bits) * sub + sub;

  void record(uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    if (v > max_) max_ = v;
  }
  void merge(const histogram& o) {
    for (int i = 0; i < buckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    if (o.max_ > max_) max_ = o.max_;
  }
  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }
  // The smallest bucket bound at or above the q-quantile (0 < q <= 1).
  uint64_t percentile(double q) const {
    if (total_ == 0) return 0;
    auto want = static_cast<uint64_t>(q * static_cast<double>(total_) + 0.5);
    if (want == 0) want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen >= want) {
        auto v = upper(i);
        return v < max_ ? v : max_;
      }
    }
    return max_;
  }

  static int index(uint64_t v) {
    if (v < sub) return static_cast<int>(v);
    int top = 63 - __builtin_clzll(v);  // >= sub_bits
    int shift = top - sub_bits;
    return (shift + 1) * sub + static_cast<int>((v >> shift) & (sub - 1));
  }
  // The largest value that falls in bucket i.
  static uint64_t upper(int i) {
    if (i < sub) return static_cast<uint64_t>(i);
    int shift = i / sub - 1;
    uint64_t base = (uint64_t{1} << (shift + sub_bits)) | (static_cast<uint64_t>(i % sub) << shift);
    return base + ((uint64_t{1} << shift) - 1);
  }

 private:
  std::array<uint64_t, buckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace herald::bench
