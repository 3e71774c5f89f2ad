#include "cli/time_spec.h"

#include <gtest/gtest.h>

namespace runnel::cli {
namespace {

TEST(ParseDuration, UnitsAndSums) {
  EXPECT_EQ(*parse_duration_ms("3ms"), 3);
  EXPECT_EQ(*parse_duration_ms("10s"), 10'000);
  EXPECT_EQ(*parse_duration_ms("9m"), 540'000);
  EXPECT_EQ(*parse_duration_ms("1h"), 3'600'000);
  EXPECT_EQ(*parse_duration_ms("1hr"), 3'600'000);
  EXPECT_EQ(*parse_duration_ms("1m3ms"), 60'003);
  EXPECT_EQ(*parse_duration_ms("1.5s"), 1'500);
  EXPECT_EQ(*parse_duration_ms("7d"), 604'800'000);
  EXPECT_EQ(*parse_duration_ms("0"), 0);
}

TEST(ParseDuration, RejectsGarbage) {
  for (const char* bad : {"", "s", "10", "10x", "abc", "1h-", "--1s"}) {
    auto r = parse_duration_ms(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(parse_duration_ms("10x").error().find("unit"), std::string::npos);
}

TEST(ParseTimestamp, NumbersBySize) {
  EXPECT_EQ(*parse_timestamp_ms("1622505600", 0), 1622505600000);
  EXPECT_EQ(*parse_timestamp_ms("1622505600123", 0), 1622505600123);
  EXPECT_EQ(*parse_timestamp_ms("1622505600000000000", 0), 1622505600000);
  EXPECT_FALSE(parse_timestamp_ms("12345", 0).ok());
}

TEST(ParseTimestamp, DatesAndRfc3339) {
  EXPECT_EQ(*parse_timestamp_ms("2021-06-01", 0), 1622505600000);
  EXPECT_EQ(*parse_timestamp_ms("1970-01-01", 0), 0);
  EXPECT_EQ(*parse_timestamp_ms("2021-06-01T00:00:00Z", 0), 1622505600000);
  EXPECT_EQ(*parse_timestamp_ms("2021-06-01T00:00:01.250Z", 0), 1622505601250);
  EXPECT_EQ(*parse_timestamp_ms("2021-06-01T02:00:00+02:00", 0), 1622505600000);
  EXPECT_EQ(*parse_timestamp_ms("2024-02-29", 0), 1709164800000);  // leap day
  EXPECT_FALSE(parse_timestamp_ms("2023-02-29", 0).ok());
  EXPECT_FALSE(parse_timestamp_ms("2021-13-01", 0).ok());
  EXPECT_FALSE(parse_timestamp_ms("2021-06-01T00:00:00", 0).ok());  // no zone
  EXPECT_FALSE(parse_timestamp_ms("yesterday", 0).ok());
}

TEST(ParseTimestamp, RelativeToNow) {
  EXPECT_EQ(*parse_timestamp_ms("-1h", 10'000'000), 10'000'000 - 3'600'000);
  EXPECT_EQ(*parse_timestamp_ms("-30s", 100'000), 70'000);
  EXPECT_FALSE(parse_timestamp_ms("-", 0).ok());
}

}  // namespace
}  // namespace runnel::cli
