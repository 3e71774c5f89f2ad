#include "storage/flusher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>

#include "protocol/record_batch_builder.h"
#include "storage/checkpoint_file.h"
#include "storage/log.h"
#include "owner_loop.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

class FlusherTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  const std::string& dir_ = tmp_.path();
};

TEST_F(FlusherTest, ManyWaitersShareFewSyncsAndAllCompleteAfterTheirData) {
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  auto log = std::move(*Log::open(dir_ + "/p0", LogConfig{}, [] { return int64_t{1000}; }));

  constexpr int kAppenders = 64;
  int completed = 0;
  for (int i = 0; i < kAppenders; ++i) {
    RecordBatchBuilder b;
    b.add("k", std::string(16 << 10, 'v'), 1000);
    auto bytes = *b.build();
    ASSERT_TRUE(log->append(bytes).ok());
    log->flush_async(flusher, [&completed, &log, i](Status s) {
      EXPECT_TRUE(s.ok()) << s.to_string();
      // Everything this waiter appended is below the recovery point.
      EXPECT_GE(log->recovery_point(), i + 1);
      ++completed;
    });
  }
  EXPECT_EQ(completed, 0) << "nothing completes before the sync it waits for";
  loop.run_until([&] { return completed == kAppenders; });
  EXPECT_EQ(log->recovery_point(), kAppenders);
  EXPECT_LE(flusher.syncs(), 2u) << "one sync in flight, then one for everyone who queued behind it";
  auto checkpoint = read_checkpoint(dir_ + "/p0/recovery-point");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->value_or(-1), kAppenders);

  bool already = false;
  log->flush_async(flusher, [&already](Status s) { already = s.ok(); });
  EXPECT_TRUE(already) << "nothing new to flush completes at once";
}

TEST_F(FlusherTest, FlushesOfSeveralLogsAreIndependent) {
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  auto a = std::move(*Log::open(dir_ + "/a", LogConfig{}, [] { return int64_t{1}; }));
  auto b = std::move(*Log::open(dir_ + "/b", LogConfig{}, [] { return int64_t{1}; }));
  int done = 0;
  for (auto* log : {a.get(), b.get()}) {
    RecordBatchBuilder builder;
    builder.add("k", "v", 1);
    auto bytes = *builder.build();
    ASSERT_TRUE(log->append(bytes).ok());
    log->flush_async(flusher, [&done](Status s) { done += s.ok(); });
  }
  loop.run_until([&] { return done == 2; });
  EXPECT_EQ(a->recovery_point(), 1);
  EXPECT_EQ(b->recovery_point(), 1);
}

}  // namespace
}  // namespace runnel::storage

namespace runnel::storage {
namespace {

TEST_F(FlusherTest, WriteCachingFlushesByBytesAndByTime) {
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  int64_t now = 1000;
  LogConfig config;
  config.write_caching = true;
  config.flush_bytes = 64 << 10;
  config.flush_ms = 100;
  auto log = std::move(*Log::open(dir_ + "/cached", config, [&now] { return now; }));
  EXPECT_FALSE(log->acks_all_waits_for_flush());

  RecordBatchBuilder b;
  b.add("k", std::string(16 << 10, 'v'), 1);
  auto bytes = *b.build();
  ASSERT_TRUE(log->append(bytes).ok());
  EXPECT_FALSE(log->flush_due()) << "16 KiB and no time passed";
  now += 99;
  EXPECT_FALSE(log->flush_due());
  now += 1;
  EXPECT_TRUE(log->flush_due()) << "flush.ms reached";
  log->flush_if_due(flusher);
  EXPECT_FALSE(log->flush_due()) << "one flush at a time";
  loop.run_until([&] { return log->recovery_point() == 1; });
  EXPECT_FALSE(log->flush_due());

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(bytes).ok());
  EXPECT_FALSE(log->flush_due()) << "48 KiB";
  ASSERT_TRUE(log->append(bytes).ok());
  EXPECT_TRUE(log->flush_due()) << "flush.bytes reached";

  LogConfig strict;
  auto plain = std::move(*Log::open(dir_ + "/strict", strict, [&now] { return now; }));
  EXPECT_TRUE(plain->acks_all_waits_for_flush());
  ASSERT_TRUE(plain->append(bytes).ok());
  EXPECT_FALSE(plain->flush_due()) << "without write caching, flushes are driven by acks=all";
}

}  // namespace
}  // namespace runnel::storage
