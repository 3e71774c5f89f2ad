// LatencyHistogram: nanosecond latencies in log-linear buckets (exact below
// 128 ns, then 128 buckets per power of two: under 1% relative error), so
// millions of samples cost a fixed ~60 KiB. Percentiles report the upper edge
// of the bucket holding the rank, clamped to the exact min and max seen.
// Not thread-safe: one per thread, merged at the end.
#pragma once

#include <cstdint>
#include <vector>

namespace runnel::benchtool {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(std::uint64_t ns);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // q in [0, 1]: the smallest recorded value v such that at least
  // ceil(q * count) samples are <= v (within bucket precision). 0 if empty.
  std::uint64_t percentile(double q) const;

  // Bucket arithmetic, exposed for tests.
  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t bucket_upper(std::size_t bucket);

 private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace runnel::benchtool
