#include "storage/clean_shutdown.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.h"

namespace runnel::storage {
namespace {

namespace fs = std::filesystem;

class CleanShutdownTest : public ::testing::Test {
 protected:
  std::string marker() const { return dir_ + "/.clean_shutdown"; }

  TempDir root_;
  const std::string& dir_ = root_.path();
};

TEST_F(CleanShutdownTest, AFirstStartIsNotClean) { EXPECT_FALSE(consume_clean_shutdown_marker(dir_)); }

TEST_F(CleanShutdownTest, AWrittenMarkerIsSeenOnceAndRemoved) {
  ASSERT_TRUE(write_clean_shutdown_marker(dir_).ok());
  EXPECT_TRUE(fs::exists(marker()));
  EXPECT_TRUE(consume_clean_shutdown_marker(dir_));
  EXPECT_FALSE(fs::exists(marker()));
  // A crash after this start leaves no marker behind to vouch for it.
  EXPECT_FALSE(consume_clean_shutdown_marker(dir_));
}

TEST_F(CleanShutdownTest, WritingTwiceIsOneMarker) {
  ASSERT_TRUE(write_clean_shutdown_marker(dir_).ok());
  ASSERT_TRUE(write_clean_shutdown_marker(dir_).ok());
  EXPECT_TRUE(consume_clean_shutdown_marker(dir_));
  EXPECT_FALSE(consume_clean_shutdown_marker(dir_));
  // No temporaries are left in the data dir.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
}

TEST_F(CleanShutdownTest, ADamagedMarkerIsNotCleanAndIsRemoved) {
  for (const std::string content : {"", "garbage", "2\n", "-1\n"}) {
    std::ofstream(marker()) << content;
    EXPECT_FALSE(consume_clean_shutdown_marker(dir_)) << "content '" << content << "'";
    EXPECT_FALSE(fs::exists(marker()));
  }
}

TEST_F(CleanShutdownTest, TemporariesOfAnInterruptedWriteAreNotAMarkerAndAreRemoved) {
  std::ofstream(dir_ + "/.clean_shutdown.tmp.7") << "1\n";
  std::ofstream(dir_ + "/unrelated") << "x";
  EXPECT_FALSE(consume_clean_shutdown_marker(dir_));
  EXPECT_FALSE(fs::exists(dir_ + "/.clean_shutdown.tmp.7"));
  EXPECT_TRUE(fs::exists(dir_ + "/unrelated"));
}

TEST_F(CleanShutdownTest, AMissingDataDirIsAnErrorToWriteAndNotClean) {
  EXPECT_EQ(write_clean_shutdown_marker(dir_ + "/missing").code(), Errc::kIo);
  EXPECT_FALSE(consume_clean_shutdown_marker(dir_ + "/missing"));
}

}  // namespace
}  // namespace runnel::storage
