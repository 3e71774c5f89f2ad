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

// Whether files in `dir` can be opened with O_DIRECT (ext4 and tmpfs can).
bool direct_io_works(const std::string& dir) {
  const std::string probe = dir + "/direct-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0644);
  if (fd >= 0) ::close(fd);
  ::unlink(probe.c_str());
  return fd >= 0;
}

// Appends wait in memory until the flusher writes them; afterwards readers
// find all but the newest cached_tail_bytes in the file, and (with O_DIRECT)
// none of it went through the page cache.
TEST_F(FlusherTest, AppendsAreWrittenBehindAndOnlyTheCachedTailStaysInMemory) {
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  LogConfig config;
  config.cached_tail_bytes = 256 << 10;
  auto log = std::move(*Log::open(dir_ + "/p", config, [] { return int64_t{1000}; }));
  RecordBatchBuilder b;
  b.add("k", std::string(16 << 10, 'v'), 1000);
  auto bytes = *b.build();
  for (int i = 0; i < 128; ++i) ASSERT_TRUE(log->append(bytes).ok());  // about 2 MiB
  const std::string path = dir_ + "/p/" + segment_file_stem(0) + ".log";
  EXPECT_EQ(std::filesystem::file_size(path), 0u) << "nothing is written before a flush";
  auto early = log->read(0, 1);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->fd, -1);
  EXPECT_FALSE(early->memory.empty()) << "unwritten bytes are read from memory";

  bool done = false;
  log->flush_async(flusher, [&done](Status s) { done = s.ok(); });
  loop.run_until([&] { return done; });
  const uint64_t size = log->segment(0).size_bytes();
  EXPECT_GE(std::filesystem::file_size(path), size) << "the last block is written padded";
  EXPECT_EQ(flusher.written_bytes(), (size + 4095) / 4096 * 4096);

  if (direct_io_works(dir_)) {
    int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    ASSERT_NE(map, MAP_FAILED);
    std::vector<unsigned char> resident((size + 4095) / 4096);
    ASSERT_EQ(::mincore(map, size, resident.data()), 0);
    ::munmap(map, size);
    ::close(fd);
    size_t cached = 0;
    for (unsigned char r : resident) cached += r & 1;
    EXPECT_EQ(cached, 0u) << "O_DIRECT writes leave nothing in the page cache";
  }

  early = log->read(0, 1);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->memory.empty()) << "written bytes older than the cached tail come from the file";
  EXPECT_GE(early->fd, 0);
  std::vector<uint8_t> first;
  ASSERT_TRUE(copy_range(*early, &first).ok());
  ASSERT_EQ(first.size(), bytes.size());
  EXPECT_TRUE(std::equal(first.begin() + 61, first.end(), bytes.begin() + 61)) << "the records as appended";
  auto newest = log->read(127, 1);
  ASSERT_TRUE(newest.ok());
  EXPECT_FALSE(newest->memory.empty()) << "the cached tail is still read from memory";
  std::vector<uint8_t> last;
  ASSERT_TRUE(copy_range(*newest, &last).ok());
  EXPECT_TRUE(std::equal(last.begin() + 61, last.end(), bytes.begin() + 61));
}

// Over the process's budget, a log lets go of everything written (an idle
// log's cached tail too); what is unwritten stays.
TEST_F(FlusherTest, ReleasingTheCachedTailLeavesOnlyUnwrittenBytesInMemory) {
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  auto log = std::move(*Log::open(dir_ + "/p", LogConfig{}, [] { return int64_t{1000}; }));
  RecordBatchBuilder b;
  b.add("k", std::string(5000, 'v'), 1000);
  auto bytes = *b.build();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append(bytes).ok());
  bool done = false;
  log->flush_async(flusher, [&done](Status s) { done = s.ok(); });
  loop.run_until([&] { return done; });
  EXPECT_FALSE(log->read(0, 1)->memory.empty()) << "within cached_tail_bytes: still in memory";

  ASSERT_TRUE(log->append(bytes).ok());  // unwritten
  log->release_cached_tail();
  EXPECT_TRUE(log->read(0, 1)->memory.empty());
  EXPECT_TRUE(log->read(9, 1)->memory.empty()) << "the newest written batch too";
  auto unwritten = log->read(10, 1);
  ASSERT_TRUE(unwritten.ok());
  EXPECT_FALSE(unwritten->memory.empty()) << "unwritten bytes exist only in memory";
  std::vector<uint8_t> last;
  ASSERT_TRUE(copy_range(*log->read(9, 1), &last).ok());
  EXPECT_EQ(last.size(), bytes.size()) << "the file's partial last block reads back whole";
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
