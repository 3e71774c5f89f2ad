#include "app/logging.h"

#include <gtest/gtest.h>

namespace runnel::app {
namespace {

TEST(LogLevels, OneLevelForAll) {
  std::string why;
  auto levels = parse_log_levels("debug", &why);
  ASSERT_TRUE(levels) << why;
  EXPECT_EQ(levels->all, "debug");
  EXPECT_TRUE(levels->subsystem.empty());
}

TEST(LogLevels, PerSubsystemAndDefault) {
  std::string why;
  auto levels = parse_log_levels("kafka=debug,storage=info", &why);
  ASSERT_TRUE(levels) << why;
  EXPECT_EQ(levels->all, "info");
  EXPECT_EQ(levels->subsystem.at("kafka"), "debug");
  EXPECT_EQ(levels->subsystem.at("storage"), "info");
  levels = parse_log_levels("warn, http=TRACE", &why);
  ASSERT_TRUE(levels) << why;
  EXPECT_EQ(levels->all, "warn");
  EXPECT_EQ(levels->subsystem.at("http"), "trace");
}

TEST(LogLevels, Refusals) {
  std::string why;
  EXPECT_FALSE(parse_log_levels("", &why));
  EXPECT_FALSE(parse_log_levels("verbose", &why));
  EXPECT_EQ(why, "\"verbose\" is not a level");
  EXPECT_FALSE(parse_log_levels("raft=debug", &why));
  EXPECT_EQ(why, "unknown subsystem \"raft\"");
  EXPECT_FALSE(parse_log_levels("kafka=loud", &why));
  EXPECT_FALSE(parse_log_levels("info,", &why));
}

}  // namespace
}  // namespace runnel::app
