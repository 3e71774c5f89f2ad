// Cases found in review of the first storage slice: producers replaying old
// timestamps must not roll a segment per batch, and a damaged index of the
// active segment must cost a rebuild, never flushed data.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/big_endian.h"
#include "owner_loop.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/flusher.h"
#include "storage/log.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

class LogHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = root_.path() + "/kafka/replay/0"; }

  std::unique_ptr<Log> open_log() {
    auto log = Log::open(dir_, config_, [this] { return now_; });
    EXPECT_TRUE(log.ok()) << log.status().to_string();
    return log.ok() ? std::move(*log) : nullptr;
  }

  void append(Log& log, int64_t ts, size_t value_bytes = 200) {
    RecordBatchBuilder b;
    b.add("k", std::string(value_bytes, 'v'), ts);
    auto bytes = *b.build();
    auto r = log.append(bytes);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
  }

  std::string path(int64_t base, const char* ext) const { return dir_ + "/" + segment_file_stem(base) + ext; }

  TempDir root_;
  std::string dir_;
  LogConfig config_;
  int64_t now_ = 1'700'000'000'000;
};

TEST_F(LogHardeningTest, ReplayingOldTimestampsDoesNotRollEveryBatch) {
  // A mirror or a backfill produces records stamped a month ago. segment.ms
  // measures the spread of the segment's own timestamps (as Kafka does) and
  // the time the segment has been written to, not the age of the records.
  config_.segment_ms = 7 * kDayMs;
  config_.retention_ms = -1;
  auto log = open_log();
  ASSERT_TRUE(log);
  for (int i = 0; i < 20; ++i) append(*log, now_ - 30 * kDayMs + i);
  EXPECT_EQ(log->segment_count(), 1u);
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(log->segment_count(), 1u) << "the segment has been written to for no time at all";

  // A week of wall time later the same segment is due, by append or by
  // housekeeping, even though its timestamps span only 20 ms.
  now_ += 7 * kDayMs + 1;
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(log->segment_count(), 2u);
}

TEST_F(LogHardeningTest, TimestampsSpanningSegmentMsStillRollAtAppend) {
  config_.segment_ms = 60 * 1000;
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, now_ - 10 * kDayMs);
  append(*log, now_ - 10 * kDayMs + 30 * 1000);
  EXPECT_EQ(log->segment_count(), 1u);
  append(*log, now_ - 10 * kDayMs + 61 * 1000);
  EXPECT_EQ(log->segment_count(), 2u) << "the incoming batch is 61 s newer than the segment's first";
}

TEST_F(LogHardeningTest, TimeRollSurvivesAReopen) {
  config_.segment_ms = 60 * 60 * 1000;
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    append(*log, now_);
    ASSERT_TRUE(log->flush().ok());
  }
  now_ += 2 * 60 * 60 * 1000;
  auto log = open_log();
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(log->segment_count(), 2u) << "an hour-old segment found at start-up still rolls";
}

TEST_F(LogHardeningTest, TimestampLookupAnswersWithTheRecordNotTheBatch) {
  // ListOffsets by time names the first record stamped at or after the
  // target, as Kafka does, including inside compressed batches.
  auto log = open_log();
  ASSERT_TRUE(log);
  for (CompressionType codec : {CompressionType::kNone, CompressionType::kZstd, CompressionType::kLz4}) {
    RecordBatchBuilder b;
    b.compression(codec);
    int64_t first = 1000 + 100 * static_cast<int64_t>(log->end_offset() / 5);
    for (int i = 0; i < 5; ++i) b.add("k", "value", first + 10 * i);
    auto bytes = *b.build();
    ASSERT_TRUE(log->append(bytes).ok());
  }
  // Records 0-4 at 1000..1040, 5-9 at 1100..1140 (zstd), 10-14 at 1200..1240 (lz4).
  EXPECT_EQ(log->offset_for_timestamp(1000)->value_or(-1), 0);
  EXPECT_EQ(log->offset_for_timestamp(1011)->value_or(-1), 2);
  EXPECT_EQ(log->offset_for_timestamp(1041)->value_or(-1), 5);
  EXPECT_EQ(log->offset_for_timestamp(1125)->value_or(-1), 8);
  EXPECT_EQ(log->offset_for_timestamp(1240)->value_or(-1), 14);
  EXPECT_FALSE(log->offset_for_timestamp(1241)->has_value());

  // Timestamps out of order inside a batch: the first record in offset order
  // that qualifies, not the one with the closest timestamp.
  RecordBatchBuilder b;
  b.add("k", "v", 2000).add("k", "v", 2300).add("k", "v", 2100);
  auto bytes = *b.build();
  ASSERT_TRUE(log->append(bytes).ok());
  EXPECT_EQ(log->offset_for_timestamp(2050)->value_or(-1), 16);

  ASSERT_TRUE(log->delete_records_before(3).ok());
  EXPECT_EQ(log->offset_for_timestamp(1011)->value_or(-1), 3) << "never below the log start offset";
}

TEST_F(LogHardeningTest, TimestampLookupInLogAppendTimeBatchesNamesTheBatchStart) {
  config_.log_append_time = true;
  auto log = open_log();
  ASSERT_TRUE(log);
  for (int i = 0; i < 3; ++i) {
    RecordBatchBuilder b;
    for (int r = 0; r < 4; ++r) b.add("k", "v", 5 + r);  // client stamps, overridden
    auto bytes = *b.build();
    ASSERT_TRUE(log->append(bytes).ok());
    now_ += 1000;
  }
  int64_t second_batch_time = now_ - 2000;
  EXPECT_EQ(log->offset_for_timestamp(second_batch_time)->value_or(-1), 4);
  EXPECT_EQ(log->offset_for_timestamp(second_batch_time - 1)->value_or(-1), 4);
  EXPECT_EQ(log->offset_for_timestamp(6)->value_or(-1), 0) << "client timestamps no longer count";
}

TEST_F(LogHardeningTest, CheckpointTemporariesLeftByACrashAreRemovedAtOpen) {
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    append(*log, now_);
    ASSERT_TRUE(log->flush().ok());
  }
  for (const char* name : {"/recovery-point.tmp.3", "/log-start-offset.tmp.17"}) {
    std::FILE* f = std::fopen((dir_ + name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("12", f);  // a torn write
    std::fclose(f);
  }
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->end_offset(), 1);
  EXPECT_EQ(log->recovery_point(), 1);
  EXPECT_FALSE(fs::exists(dir_ + "/recovery-point.tmp.3"));
  EXPECT_FALSE(fs::exists(dir_ + "/log-start-offset.tmp.17"));
  EXPECT_TRUE(fs::exists(path(0, ".log")));
}

// Moves every offset index entry from `first` on 7 bytes into its batch:
// still increasing and inside the file, so it passes the prefix check, the
// way a stale or damaged index page would look.
void shift_index_entries(const std::string& index_path, size_t first) {
  int fd = ::open(index_path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  size_t shifted = 0;
  for (size_t i = first;; ++i) {
    uint8_t e[8];
    if (::pread(fd, e, 8, static_cast<off_t>(i * 8)) != 8 || load_u32(e + 4) == 0) break;
    store_u32(e + 4, load_u32(e + 4) + 7);
    ASSERT_EQ(::pwrite(fd, e, 8, static_cast<off_t>(i * 8)), 8);
    ++shifted;
  }
  ::close(fd);
  ASSERT_GT(shifted, 0u);
}

// Reads offset `o` with a tiny max and checks that the one whole batch
// returned is the one holding it.
void expect_reads_back(const Log& log, int64_t o) {
  auto range = log.read(o, 1);
  ASSERT_TRUE(range.ok()) << "offset " << o << ": " << range.status().to_string();
  std::vector<uint8_t> buf;
  ASSERT_TRUE(copy_range(*range, &buf).ok());
  auto view = RecordBatchView::parse(buf);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->validate().ok());
  EXPECT_EQ(view->base_offset(), o);
  EXPECT_EQ(buf.size(), view->size_bytes());
}

TEST_F(LogHardeningTest, DamagedActiveIndexIsRebuiltWithoutLosingFlushedData) {
  config_.segment.index_interval_bytes = 256;
  int64_t end = 0;
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    for (int i = 0; i < 40; ++i) append(*log, now_ + i, 300);
    ASSERT_TRUE(log->flush().ok());
    end = log->end_offset();
    ASSERT_EQ(log->segment_count(), 1u);
  }
  shift_index_entries(path(0, ".index"), 0);
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->end_offset(), end) << "flushed batches survive a damaged index";
  EXPECT_EQ(log->recovery().bytes_truncated, 0u);
  EXPECT_EQ(log->recovery().indexes_rebuilt, 1);
  for (int64_t o = 0; o < end; ++o) expect_reads_back(*log, o);
  auto big = log->read(0, 1 << 20);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->length, log->size_bytes()) << "the rebuilt index's jumps land on batch boundaries";
}

TEST_F(LogHardeningTest, DamagedSealedIndexFailsTheReadInsteadOfServingGarbage) {
  config_.segment_bytes = 8192;
  config_.segment.index_interval_bytes = 256;
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    for (int i = 0; i < 60; ++i) append(*log, now_ + i, 300);
    ASSERT_TRUE(log->flush().ok());
    ASSERT_GE(log->segment_count(), 3u);
  }
  // Sealed and below the recovery point: trusted at start-up, never
  // scanned, and its last entry is intact so it looks whole.
  int fd = ::open(path(0, ".index").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  uint8_t e[8];
  ASSERT_EQ(::pread(fd, e, 8, 8), 8);
  int64_t damaged = load_u32(e);
  store_u32(e + 4, load_u32(e + 4) + 7);
  ASSERT_EQ(::pwrite(fd, e, 8, 8), 8);
  ::close(fd);

  auto log = open_log();
  ASSERT_TRUE(log);
  auto range = log->read(damaged, 1);
  ASSERT_FALSE(range.ok()) << "a range starting inside a batch must not reach a consumer";
  EXPECT_EQ(range.status().code(), Errc::kCorrupt);
  expect_reads_back(*log, 0);
  expect_reads_back(*log, log->segment(1).base_offset());
}

TEST_F(LogHardeningTest, StartOffsetAfterRetentionSurvivesAReopen) {
  config_.segment_bytes = 2048;
  config_.retention_bytes = 4096;
  int64_t start = 0;
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    for (int i = 0; i < 20; ++i) append(*log, now_, 900);
    ASSERT_TRUE(log->delete_records_before(1).ok());
    ASSERT_TRUE(log->housekeeping().ok());
    start = log->log_start_offset();
    ASSERT_GT(start, 1);
    ASSERT_TRUE(log->flush().ok());
  }
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_start_offset(), start);
  EXPECT_FALSE(log->read(start - 1, 1).ok());
  expect_reads_back(*log, start);
}

TEST_F(LogHardeningTest, SegmentsWithoutTimestampsExpireByTheirFileTime) {
  // Batches stamped -1 ("no timestamp") give retention.ms nothing to go by;
  // like Kafka, the segment file's modification time stands in. The file
  // times are real, so this test's clock starts from the real time.
  now_ = std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count();
  config_.segment_bytes = 2048;
  config_.retention_ms = 60 * 60 * 1000;
  auto log = open_log();
  ASSERT_TRUE(log);
  for (int i = 0; i < 6; ++i) append(*log, -1, 900);
  ASSERT_GE(log->segment_count(), 3u);
  EXPECT_EQ(log->segment(0).max_timestamp(), -1);
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(log->log_start_offset(), 0) << "written just now";
  now_ += 2 * 60 * 60 * 1000;
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(log->log_start_offset(), log->end_offset()) << "two hours later every segment has expired";
}

TEST_F(LogHardeningTest, SegmentsSealedByARollAreSyncedByTheFlusherNotByTheAppender) {
  config_.segment_bytes = 2048;
  OwnerLoop loop;
  Flusher flusher([&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  int64_t end = 0;
  size_t segments = 0;
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    for (int i = 0; i < 10; ++i) append(*log, now_ + i, 900);
    segments = log->segment_count();
    ASSERT_GE(segments, 3u);
    EXPECT_EQ(log->recovery_point(), 0) << "rolling made nothing durable by itself";
    bool done = false;
    Status result(Errc::kIo, "not run");
    log->flush_async(flusher, [&](Status s) {
      result = s;
      done = true;
    });
    loop.run_until([&] { return done; });
    ASSERT_TRUE(result.ok()) << result.to_string();
    end = log->end_offset();
    EXPECT_EQ(log->recovery_point(), end);
    // Each sealed segment's log and two indexes, then the active log.
    EXPECT_EQ(flusher.syncs(), 3 * (segments - 1) + 1);
  }
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->end_offset(), end);
  EXPECT_EQ(log->segment_count(), segments);
  EXPECT_EQ(log->recovery().segments_scanned, 1) << "everything the flush covered is trusted";
  EXPECT_EQ(log->recovery().indexes_rebuilt, 0);
  for (int64_t o = 0; o < end; ++o) expect_reads_back(*log, o);
}

}  // namespace
}  // namespace runnel::storage
