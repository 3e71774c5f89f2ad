// Disk full: on a small tmpfs the test mounts (needs root, as CI runs),
// appends fail with an error once space runs out, nothing already written is
// damaged, and appends resume once space is freed.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "protocol/record_batch_builder.h"
#include "storage/log.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

namespace fs = std::filesystem;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::mount("tmpfs", tmp_.path().c_str(), "tmpfs", 0, "size=2m") != 0) {
      GTEST_SKIP() << "cannot mount a small tmpfs here (needs root)";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount(tmp_.path().c_str());
  }
  TempDir tmp_;
  const std::string& mount_point_ = tmp_.path();
  bool mounted_ = false;
};

std::vector<uint8_t> batch_of(size_t value_bytes) {
  RecordBatchBuilder b;
  b.add("k", std::string(value_bytes, 'v'), 1000);
  return *b.build();
}

TEST_F(DiskFullTest, AppendsFailCleanlyAndResumeWhenSpaceIsFreed) {
  LogConfig config;
  config.segment_bytes = 256 << 10;
  config.segment.max_index_bytes = 16 << 10;
  std::string dir = mount_point_ + "/kafka/t/0";
  auto log = std::move(*Log::open(dir, config, [] { return int64_t{1000}; }));

  // Fill most of the device with something we can delete later.
  std::string filler = mount_point_ + "/filler";
  {
    std::FILE* f = std::fopen(filler.c_str(), "wb");
    std::vector<char> chunk(64 << 10, 'f');
    for (int i = 0; i < 20; ++i) std::fwrite(chunk.data(), 1, chunk.size(), f);
    std::fclose(f);
  }

  int64_t accepted = 0;
  Status failure;
  for (int i = 0; i < 1000; ++i) {
    auto bytes = batch_of(10 << 10);
    auto r = log->append(bytes);
    if (!r.ok()) {
      failure = r.status();
      break;
    }
    accepted = r->end_offset;
  }
  ASSERT_FALSE(failure.ok()) << "the device never filled up";
  EXPECT_EQ(failure.code(), Errc::kIo);
  EXPECT_EQ(failure.detail(), "no space left on the data device");
  EXPECT_EQ(log->end_offset(), accepted) << "a failed append leaves no trace";

  // Still failing while full, still intact.
  auto again = batch_of(10 << 10);
  EXPECT_FALSE(log->append(again).ok());
  EXPECT_EQ(log->end_offset(), accepted);

  fs::remove(filler);
  for (int i = 0; i < 20; ++i) {
    auto bytes = batch_of(10 << 10);
    auto r = log->append(bytes);
    ASSERT_TRUE(r.ok()) << "append " << i << " after freeing space: " << r.status().to_string();
  }
  ASSERT_TRUE(log->flush().ok());
  int64_t end = log->end_offset();
  log.reset();

  auto reopened = Log::open(dir, config, [] { return int64_t{1000}; });
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->end_offset(), end);
  EXPECT_EQ((*reopened)->recovery().bytes_truncated, 0u) << "nothing on disk was corrupt";
}

}  // namespace
}  // namespace runnel::storage
