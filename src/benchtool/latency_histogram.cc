// See latency_histogram.h.
#include "benchtool/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace runnel::benchtool {

namespace {
constexpr int kSubBits = 7;
constexpr std::uint64_t kSub = 1u << kSubBits;  // buckets per power of two
constexpr std::size_t kBuckets = kSub + (64 - kSubBits) * kSub;
}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t ns) {
  if (ns < kSub) return static_cast<std::size_t>(ns);
  const int msb = 63 - std::countl_zero(ns);
  const int shift = msb - kSubBits;            // >= 0
  const std::uint64_t mantissa = ns >> shift;  // in [kSub, 2*kSub)
  return static_cast<std::size_t>(kSub + static_cast<std::uint64_t>(shift) * kSub + (mantissa - kSub));
}

std::uint64_t LatencyHistogram::bucket_upper(std::size_t bucket) {
  if (bucket < kSub) return bucket;
  const std::uint64_t shift = (bucket - kSub) / kSub;
  const std::uint64_t mantissa = (bucket - kSub) % kSub + kSub;
  const std::uint64_t next = (mantissa + 1) << shift;  // may wrap only for the very last bucket
  return next == 0 ? UINT64_MAX : next - 1;
}

void LatencyHistogram::record(std::uint64_t ns) {
  ++buckets_[bucket_of(ns)];
  ++count_;
  sum_ += ns;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(bucket_upper(i), min_, max_);
  }
  return max_;
}

}  // namespace runnel::benchtool
