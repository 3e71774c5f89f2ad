#include "cli/offset_spec.h"

#include <gtest/gtest.h>

namespace runnel::cli {
namespace {

using Kind = OffsetBound::Kind;
constexpr int64_t kNow = 1'700'000'000'000;

OffsetSpec parse(const char* text) {
  auto r = parse_offset_spec(text, kNow);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? *r : OffsetSpec{};
}

TEST(OffsetSpec, Words) {
  EXPECT_EQ(parse("start").from, (OffsetBound{Kind::kStart, 0}));
  EXPECT_EQ(parse("end").from, (OffsetBound{Kind::kEnd, 0}));
  EXPECT_FALSE(parse("start").until);
}

TEST(OffsetSpec, NumbersAndRelative) {
  EXPECT_EQ(parse("47").from, (OffsetBound{Kind::kExact, 47}));
  EXPECT_EQ(parse("47:").from, (OffsetBound{Kind::kExact, 47}));
  EXPECT_EQ(parse("+2").from, (OffsetBound{Kind::kAfterStart, 2}));
  EXPECT_EQ(parse("-3").from, (OffsetBound{Kind::kBeforeEnd, 3}));
}

TEST(OffsetSpec, Ranges) {
  OffsetSpec s = parse(":end");
  EXPECT_EQ(s.from.kind, Kind::kStart);
  ASSERT_TRUE(s.until);
  EXPECT_EQ(s.until->kind, Kind::kEnd);
  s = parse("5:10");
  EXPECT_EQ(s.from, (OffsetBound{Kind::kExact, 5}));
  EXPECT_EQ(*s.until, (OffsetBound{Kind::kExact, 10}));
  s = parse(":7");
  EXPECT_EQ(s.from.kind, Kind::kStart);
  EXPECT_EQ(*s.until, (OffsetBound{Kind::kExact, 7}));
  s = parse("3:end");
  EXPECT_EQ(s.until->kind, Kind::kEnd);
}

TEST(OffsetSpec, Timestamps) {
  OffsetSpec s = parse("@1622505600000");
  EXPECT_EQ(s.from, (OffsetBound{Kind::kTimestamp, 1622505600000}));
  EXPECT_FALSE(s.until);
  s = parse("@-1h");
  EXPECT_EQ(s.from, (OffsetBound{Kind::kTimestamp, kNow - 3'600'000}));
  s = parse("@2022-02-14:1h");
  EXPECT_EQ(s.from.value, 1644796800000);
  EXPECT_EQ(s.until->value, 1644796800000 + 3'600'000);
  s = parse("@-48h:-24h");
  EXPECT_EQ(s.from.value, kNow - 48 * 3'600'000LL);
  EXPECT_EQ(s.until->value, kNow - 24 * 3'600'000LL);
  s = parse("@-1m:end");
  EXPECT_EQ(s.until->kind, Kind::kEnd);
  s = parse("@:-1h");
  EXPECT_EQ(s.from.kind, Kind::kStart);
  EXPECT_EQ(*s.until, (OffsetBound{Kind::kTimestamp, kNow - 3'600'000}));
  // RFC 3339 times hold colons of their own.
  s = parse("@2021-06-01T00:00:00Z:2021-06-02T00:00:00Z");
  EXPECT_EQ(s.from.value, 1622505600000);
  EXPECT_EQ(s.until->value, 1622505600000 + 86'400'000);
  s = parse("@2021-06-01T00:00:00Z");
  EXPECT_EQ(s.from.value, 1622505600000);
  EXPECT_FALSE(s.until);
}

TEST(OffsetSpec, RejectsBadInput) {
  for (const char* bad :
       {"", "begin", "1x", "--3", "+", ":", "10:5", "start:5", "5:+3", "@", "@:", "@soon", "1:2:3"}) {
    auto r = parse_offset_spec(bad, kNow);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().find("invalid offset"), std::string::npos) << r.error();
    }
  }
}

TEST(OffsetSpec, ResolveClampsToTheLog) {
  // A log holding offsets [10, 20).
  EXPECT_EQ(resolve_bound({Kind::kStart, 0}, 10, 20), 10);
  EXPECT_EQ(resolve_bound({Kind::kEnd, 0}, 10, 20), 20);
  EXPECT_EQ(resolve_bound({Kind::kExact, 15}, 10, 20), 15);
  EXPECT_EQ(resolve_bound({Kind::kExact, 3}, 10, 20), 10);
  EXPECT_EQ(resolve_bound({Kind::kExact, 99}, 10, 20), 20);
  EXPECT_EQ(resolve_bound({Kind::kAfterStart, 2}, 10, 20), 12);
  EXPECT_EQ(resolve_bound({Kind::kBeforeEnd, 3}, 10, 20), 17);
  EXPECT_EQ(resolve_bound({Kind::kBeforeEnd, 50}, 10, 20), 10);
  EXPECT_EQ(resolve_bound({Kind::kTimestamp, 123}, 10, 20, 14), 14);
  EXPECT_EQ(resolve_bound({Kind::kTimestamp, 123}, 10, 20, -1), 20);  // nothing that late
}

}  // namespace
}  // namespace runnel::cli
