#include "benchtool/latency_histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace runnel::benchtool {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.50), 50u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.percentile(0.0), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, LargeValuesWithinOnePercent) {
  LatencyHistogram h;
  // 1..10000 microseconds in ns.
  for (std::uint64_t us = 1; us <= 10000; ++us) h.record(us * 1000);
  auto near = [](std::uint64_t got, double want) {
    return std::abs(static_cast<double>(got) - want) <= want * 0.01;
  };
  EXPECT_TRUE(near(h.percentile(0.50), 5'000'000.0)) << h.percentile(0.50);
  EXPECT_TRUE(near(h.percentile(0.99), 9'900'000.0)) << h.percentile(0.99);
  EXPECT_TRUE(near(h.percentile(0.999), 9'990'000.0)) << h.percentile(0.999);
  EXPECT_EQ(h.percentile(1.0), 10'000'000u);
  EXPECT_EQ(h.max(), 10'000'000u);
}

TEST(LatencyHistogram, PercentilesAreOrderedAndBounded) {
  LatencyHistogram h;
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(13.0, 1.0);
  for (int i = 0; i < 100000; ++i) h.record(static_cast<std::uint64_t>(d(rng)));
  std::uint64_t prev = h.min();
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    EXPECT_GE(h.percentile(q), prev) << q;
    EXPECT_LE(h.percentile(q), h.max()) << q;
    prev = h.percentile(q);
  }
}

TEST(LatencyHistogram, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 0; v < 5000; ++v) {
    (v % 2 ? a : b).record(v * 997);
    all.record(v * 997);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double q : {0.5, 0.99, 0.999}) EXPECT_EQ(a.percentile(q), all.percentile(q));
}

TEST(LatencyHistogram, BucketEdgesContainTheirValues) {
  const std::uint64_t values[] = {
      0, 1, 127, 128, 129, 255, 256, 1000, 123456789, (std::uint64_t{1} << 40) + 12345, UINT64_MAX};
  for (std::uint64_t v : values) {
    const std::size_t b = LatencyHistogram::bucket_of(v);
    EXPECT_GE(LatencyHistogram::bucket_upper(b), v) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper(b - 1), v) << v;
    }
  }
}

}  // namespace
}  // namespace runnel::benchtool
