#include "benchtool/bench_params.h"

#include <gtest/gtest.h>

#include "benchtool/bench_options.h"

namespace runnel::benchtool {
namespace {

TEST(BenchParams, Sizes) {
  EXPECT_EQ(parse_size("100"), 100);
  EXPECT_EQ(parse_size("100B"), 100);
  EXPECT_EQ(parse_size("1KiB"), 1024);
  EXPECT_EQ(parse_size("1k"), 1024);
  EXPECT_EQ(parse_size("1.5MiB"), 1572864);
  EXPECT_EQ(parse_size("2GB"), 2147483648);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("KiB"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("1.3B"));
  EXPECT_FALSE(parse_size("1 parsec"));
}

TEST(BenchParams, Durations) {
  EXPECT_DOUBLE_EQ(*parse_duration("10"), 10);
  EXPECT_DOUBLE_EQ(*parse_duration("10s"), 10);
  EXPECT_DOUBLE_EQ(*parse_duration("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_duration("2m"), 120);
  EXPECT_DOUBLE_EQ(*parse_duration("1.5s"), 1.5);
  EXPECT_FALSE(parse_duration("soon"));
  EXPECT_FALSE(parse_duration("3h"));
}

TEST(BenchParams, AcksAndCompression) {
  EXPECT_EQ(parse_acks("all"), "all");
  EXPECT_EQ(parse_acks("-1"), "all");
  EXPECT_EQ(parse_acks("ALL"), "all");
  EXPECT_EQ(parse_acks("1"), "1");
  EXPECT_EQ(parse_acks("0"), "0");
  EXPECT_FALSE(parse_acks("2"));
  EXPECT_TRUE(valid_compression("zstd"));
  EXPECT_FALSE(valid_compression("brotli"));
}

TEST(BenchParams, Validate) {
  WorkloadParams p;
  EXPECT_EQ(validate(p, "produce"), "");
  EXPECT_NE(validate(p, "e2e"), "");  // needs a rate
  p.rate = 1000;
  EXPECT_EQ(validate(p, "e2e"), "");
  p.record_size = 8;
  EXPECT_NE(validate(p, "e2e"), "");  // no room for the send stamp
  EXPECT_EQ(validate(p, "produce"), "");
  p = WorkloadParams{};
  p.partitions = 0;
  EXPECT_NE(validate(p, "produce"), "");
  p = WorkloadParams{};
  p.duration_s = 0;
  EXPECT_NE(validate(p, "produce"), "");
  p.count = 10;
  EXPECT_EQ(validate(p, "produce"), "");
}

TEST(BenchParams, FormatSize) {
  EXPECT_EQ(format_size(100), "100B");
  EXPECT_EQ(format_size(1024), "1KiB");
  EXPECT_EQ(format_size(1536), "1536B");
  EXPECT_EQ(format_size(1 << 20), "1MiB");
}

TEST(BenchOptions, TargetsAndSuites) {
  BenchOptions o;
  EXPECT_NE(validate(o), "");  // produce without a target
  o.mock = true;
  EXPECT_EQ(validate(o), "");
  o.brokers = "127.0.0.1:9092";
  EXPECT_NE(validate(o), "");  // two targets
  o.mock = false;
  EXPECT_EQ(validate(o), "");
  o.workload = "flood";
  EXPECT_NE(validate(o), "");
  o.workload = "loopback";
  EXPECT_EQ(validate(o), "");
  o.workload = "redis";
  o.redis.appendfsync = "sometimes";
  EXPECT_NE(validate(o), "");

  BenchOptions s;
  s.suite = "standard";
  EXPECT_NE(validate(s), "");  // needs a broker
  s.start_runnel = "build/bin/runnel";
  EXPECT_EQ(validate(s), "");
  s.suite = "huge";
  EXPECT_NE(validate(s), "");
}

}  // namespace
}  // namespace runnel::benchtool
