// Checkpoint files (recovery point, log start offset): round trip, missing
// and malformed files, and writers on two threads at once.
#include "storage/checkpoint_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "temp_dir.h"

namespace runnel::storage {
namespace {

namespace fs = std::filesystem;

TEST(CheckpointFile, RoundTripsAndReplacesTheValue) {
  TempDir tmp;
  std::string path = tmp.path() + "/recovery-point";
  auto missing = read_checkpoint(path);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(write_checkpoint(path, 42).ok());
  EXPECT_EQ(read_checkpoint(path)->value_or(-1), 42);
  ASSERT_TRUE(write_checkpoint(path, 1'000'000'000'000).ok());
  EXPECT_EQ(read_checkpoint(path)->value_or(-1), 1'000'000'000'000);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++files;
  EXPECT_EQ(files, 1u) << "no temporary left behind";
}

TEST(CheckpointFile, MalformedContentIsAnError) {
  TempDir tmp;
  std::string path = tmp.path() + "/log-start-offset";
  for (const char* content : {"", "abc\n", "12x\n", "-5\n"}) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs(content, f);
    std::fclose(f);
    EXPECT_FALSE(read_checkpoint(path).ok()) << '"' << content << '"';
  }
}

TEST(CheckpointFile, ConcurrentWritersNeverFailOrLeaveATornValue) {
  // A log's owner thread (a blocking flush) and the flusher thread can write
  // the same recovery point at the same moment.
  TempDir tmp;
  std::string path = tmp.path() + "/recovery-point";
  constexpr int kWrites = 200;
  int failures_a = 0, failures_b = 0;
  std::thread a([&] {
    for (int i = 0; i < kWrites; ++i) failures_a += !write_checkpoint(path, 1000 + i).ok();
  });
  std::thread b([&] {
    for (int i = 0; i < kWrites; ++i) failures_b += !write_checkpoint(path, 5000 + i).ok();
  });
  a.join();
  b.join();
  EXPECT_EQ(failures_a, 0);
  EXPECT_EQ(failures_b, 0);
  auto value = read_checkpoint(path);
  ASSERT_TRUE(value.ok()) << value.status().to_string();
  int64_t v = value->value_or(-1);
  EXPECT_TRUE(v == 1000 + kWrites - 1 || v == 5000 + kWrites - 1) << v;
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++files;
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace runnel::storage
