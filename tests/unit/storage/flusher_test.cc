#include "storage/flusher.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>

#include "owner_loop.h"
#include "protocol/record_batch_builder.h"
#include "storage/checkpoint_file.h"
#include "storage/log.h"
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
  // The clock stood still: the first flush recorded the recovery point on
  // disk, the one after it only synced the data (see the next test).
  auto checkpoint = read_checkpoint(dir_ + "/p0/recovery-point");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_GE(checkpoint->value_or(-1), 1);
  EXPECT_LE(checkpoint->value_or(-1), kAppenders);

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

// Recording the recovery point costs a rename and a directory sync, so a busy
// log records it at most once a second (a stale one only makes recovery scan
// more), but at once after a segment file was created: that directory entry
// must be durable before data in the new segment is acknowledged.
TEST_F(FlusherTest, RecoveryPointIsRecordedOncePerSecondAndAfterEveryRoll) {
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  int64_t now = 5000;
  LogConfig config;
  config.segment_bytes = 60 << 10;
  auto log = std::move(*Log::open(dir_ + "/p", config, [&now] { return now; }));
  RecordBatchBuilder b;
  b.add("k", std::string(16 << 10, 'v'), now);
  auto bytes = *b.build();
  auto on_disk = [&] { return read_checkpoint(dir_ + "/p/recovery-point")->value_or(-1); };
  auto append_and_flush = [&] {
    ASSERT_TRUE(log->append(bytes).ok());
    bool done = false;
    log->flush_async(flusher, [&done](Status s) {
      EXPECT_TRUE(s.ok()) << s.to_string();
      done = true;
    });
    loop.run_until([&] { return done; });
    EXPECT_EQ(log->recovery_point(), log->end_offset()) << "the data itself is always synced";
  };

  append_and_flush();
  EXPECT_EQ(on_disk(), 1) << "the first flush since open records it";
  now += 999;
  append_and_flush();
  EXPECT_EQ(on_disk(), 1) << "less than a second later: data synced, recovery point left stale";
  now += 1;
  append_and_flush();
  EXPECT_EQ(on_disk(), 3);
  ASSERT_EQ(log->segment_count(), 1u);
  append_and_flush();  // 66 KiB > segment.bytes: this append rolled first
  ASSERT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(on_disk(), 4) << "a new segment file is recorded (and its directory synced) at once";
  append_and_flush();
  EXPECT_EQ(on_disk(), 4);

  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(on_disk(), 5) << "a blocking flush (shutdown) always records it";
}

// Synced pages older than the log's newest cached_tail_bytes leave the page
// cache; the tail stays for readers at the end of the log.
TEST_F(FlusherTest, SyncedPagesBelowTheCachedTailAreDropped) {
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  LogConfig config;
  config.cached_tail_bytes = 256 << 10;
  auto log = std::move(*Log::open(dir_ + "/p", config, [] { return int64_t{1000}; }));
  RecordBatchBuilder b;
  b.add("k", std::string(16 << 10, 'v'), 1000);
  auto bytes = *b.build();
  for (int i = 0; i < 128; ++i) ASSERT_TRUE(log->append(bytes).ok());  // about 2 MiB
  bool done = false;
  log->flush_async(flusher, [&done](Status s) { done = s.ok(); });
  loop.run_until([&] { return done; });

  const uint64_t size = log->segment(0).size_bytes();
  const std::string path = dir_ + "/p/" + std::string(20 - 1, '0') + "0.log";
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  const size_t page = 4096;
  std::vector<unsigned char> resident((size + page - 1) / page);
  ASSERT_EQ(::mincore(map, size, resident.data()), 0);
  ::munmap(map, size);
  ::close(fd);
  size_t old_resident = 0;
  size_t tail_resident = 0;
  const size_t tail_first_page = (size - config.cached_tail_bytes + page - 1) / page;
  for (size_t i = 0; i < resident.size(); ++i) {
    if (!(resident[i] & 1)) continue;
    (i < tail_first_page - 1 ? old_resident : tail_resident) += 1;
  }
  EXPECT_EQ(old_resident, 0u) << "synced pages below the cached tail are dropped";
  EXPECT_GE(tail_resident, (config.cached_tail_bytes / page) - 1) << "the tail stays cached";
}

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
