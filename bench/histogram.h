#pragma once
// LatencyHistogram: a log-linear histogram of non-negative integer values (nanoseconds here), in the
// manner of HdrHistogram: values below 256 are counted exactly; above, every power-of-two range is
// split into 128 equal buckets, so a recorded value is known to within 1/128 (< 0.8%) of itself.
// Fixed size (about 60 KiB), no allocation after construction, O(1) record, mergeable.
// Percentiles report the highest value of the bucket (as HdrHistogram's highestEquivalentValue), so
// they never understate; max is tracked exactly.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace ofs::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;                     // 128 buckets per power of two
  static constexpr uint64_t kSubCount = 1u << kSubBits;  // 128
  static constexpr size_t kBuckets = 2 * kSubCount + (64 - kSubBits - 1) * kSubCount;

  void Record(uint64_t value) {
    ++counts_[Index(value)];
    ++total_;
    max_ = std::max(max_, value);
    min_ = std::min(min_, value);
    sum_ += static_cast<double>(value);
  }

  void Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
    sum_ += other.sum_;
  }

  void Reset() { *this = LatencyHistogram(); }

  uint64_t count() const { return total_; }
  uint64_t max() const { return total_ ? max_ : 0; }
  uint64_t min() const { return total_ ? min_ : 0; }
  double mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0.0; }

  // The smallest bucket bound at or below which `fraction` (0..1] of the values lie; 0 when empty.
  uint64_t Percentile(double fraction) const {
    if (total_ == 0) return 0;
    fraction = std::clamp(fraction, 0.0, 1.0);
    auto rank = static_cast<uint64_t>(fraction * static_cast<double>(total_) + 0.5);
    rank = std::clamp<uint64_t>(rank, 1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(HighestInBucket(i), max_);
    }
    return max_;
  }

  // Bucket index of a value (exposed for tests).
  static size_t Index(uint64_t v) {
    if (v < 2 * kSubCount) return static_cast<size_t>(v);
    const int e = 63 - std::countl_zero(v);  // >= kSubBits + 1
    const int shift = e - kSubBits;          // >= 1
    const uint64_t top = v >> shift;         // in [kSubCount, 2 * kSubCount)
    return static_cast<size_t>(2 * kSubCount + static_cast<uint64_t>(shift - 1) * kSubCount +
                               (top - kSubCount));
  }

  // The largest value that falls into bucket i.
  static uint64_t HighestInBucket(size_t i) {
    if (i < 2 * kSubCount) return i;
    const uint64_t rel = i - 2 * kSubCount;
    const int shift = static_cast<int>(rel / kSubCount) + 1;
    const uint64_t top = kSubCount + rel % kSubCount;
    const uint64_t low = top << shift;
    return low + ((uint64_t{1} << shift) - 1);
  }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
  double sum_ = 0;
};

}  // namespace ofs::bench
