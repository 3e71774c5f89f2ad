#include "storage/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/open_segment_cache.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

namespace fs = std::filesystem;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = root_.path() + "/kafka/topic/0"; }

  std::unique_ptr<Log> open_log() {
    auto log = Log::open(dir_, config_, [this] { return now_; });
    EXPECT_TRUE(log.ok()) << log.status().to_string();
    return log.ok() ? std::move(*log) : nullptr;
  }

  // A batch of `records` records of `value_bytes` each, stamped `ts`.
  std::vector<uint8_t> batch(int records, int64_t ts, size_t value_bytes = 100, int tag = 0) {
    RecordBatchBuilder b;
    std::string value(value_bytes, static_cast<char>('a' + tag % 26));
    for (int i = 0; i < records; ++i) b.add("key", value, ts);
    return *b.build();
  }

  AppendResult append(Log& log, int records, int64_t ts, size_t value_bytes = 100) {
    auto bytes = batch(records, ts, value_bytes);
    auto r = log.append(bytes);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : AppendResult{};
  }

  // Reads the range back and returns the batches' base offsets.
  std::vector<int64_t> read_bases(const Log& log, int64_t offset, size_t max_bytes) {
    auto range = log.read(offset, max_bytes);
    EXPECT_TRUE(range.ok()) << range.status().to_string();
    std::vector<int64_t> bases;
    if (!range.ok() || range->length == 0) return bases;
    std::vector<uint8_t> buf;
    EXPECT_TRUE(copy_range(*range, &buf).ok());
    RecordBatchIterator it(buf);
    while (auto b = it.next()) {
      EXPECT_TRUE(b->validate({.require_consecutive_offsets = false}).ok());
      bases.push_back(b->base_offset());
    }
    EXPECT_TRUE(it.status().ok());
    return bases;
  }

  std::string segment_path(int64_t base, const char* ext) {
    return dir_ + "/" + segment_file_stem(base) + ext;
  }

  TempDir root_;
  std::string dir_;
  LogConfig config_;
  int64_t now_ = 1'700'000'000'000;
};

TEST_F(LogTest, AssignsOffsetsAndReadsBatchesBack) {
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->end_offset(), 0);
  auto a = append(*log, 3, now_);
  EXPECT_EQ(a.base_offset, 0);
  EXPECT_EQ(a.last_offset, 2);
  EXPECT_EQ(a.end_offset, 3);
  auto b = append(*log, 2, now_);
  EXPECT_EQ(b.base_offset, 3);
  EXPECT_EQ(log->end_offset(), 5);
  EXPECT_EQ(read_bases(*log, 0, 1 << 20), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(read_bases(*log, 4, 1 << 20), (std::vector<int64_t>{3})) << "the batch holding offset 4";
  EXPECT_TRUE(read_bases(*log, 5, 1 << 20).empty()) << "nothing at the end yet";
  EXPECT_FALSE(log->read(6, 100).ok());
}

TEST_F(LogTest, TinyMaxBytesStillReturnsOneWholeBatch) {
  auto log = open_log();
  append(*log, 5, now_, 1000);
  append(*log, 5, now_, 1000);
  EXPECT_EQ(read_bases(*log, 0, 1), (std::vector<int64_t>{0}));
  EXPECT_EQ(read_bases(*log, 7, 1), (std::vector<int64_t>{5}));
}

TEST_F(LogTest, LogAppendTimeRewritesTimestampsAndKeepsTheCrc) {
  config_.log_append_time = true;
  auto log = open_log();
  auto r = append(*log, 2, 5);
  EXPECT_EQ(r.log_append_time, now_);
  auto range = *log->read(0, 1 << 20);
  std::vector<uint8_t> buf;
  ASSERT_TRUE(copy_range(range, &buf).ok());
  auto view = *RecordBatchView::parse(buf);
  EXPECT_EQ(view.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(view.max_timestamp(), now_);
  EXPECT_TRUE(view.validate().ok());
}

TEST_F(LogTest, RollsOnSegmentBytes) {
  config_.segment_bytes = 4096;
  auto log = open_log();
  for (int i = 0; i < 10; ++i) append(*log, 1, now_, 1000);
  EXPECT_GE(log->segment_count(), 3u);
  for (size_t i = 0; i + 1 < log->segment_count(); ++i) {
    EXPECT_LE(log->segment(i).size_bytes(), 4096u);
    EXPECT_EQ(log->segment(i).next_offset(), log->segment(i + 1).base_offset());
  }
  EXPECT_TRUE(fs::exists(segment_path(log->segment(1).base_offset(), ".log")));
  std::vector<int64_t> all = read_bases(*log, 0, 1 << 20);
  EXPECT_FALSE(all.empty());
  // Reading continues across segments one at a time.
  EXPECT_EQ(read_bases(*log, log->segment(1).base_offset(), 1).front(), log->segment(1).base_offset());
}

TEST_F(LogTest, RollsOnSegmentMsAtAppendAndInHousekeeping) {
  config_.segment_ms = 5 * 60 * 1000;
  auto log = open_log();
  append(*log, 1, now_);
  now_ += 4 * 60 * 1000;
  append(*log, 1, now_);
  EXPECT_EQ(log->segment_count(), 1u);
  now_ += 2 * 60 * 1000;
  append(*log, 1, now_);
  EXPECT_EQ(log->segment_count(), 2u) << "the first batch is 6 minutes old";
  now_ += 6 * 60 * 1000;
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(log->segment_count(), 3u) << "an idle segment still rolls";
  EXPECT_TRUE(log->segment(2).empty());
}

TEST_F(LogTest, RollsWhenTheIndexIsFull) {
  config_.segment.index_interval_bytes = 1;
  config_.segment.max_index_bytes = 8 * 4;  // four offset entries
  auto log = open_log();
  for (int i = 0; i < 12; ++i) append(*log, 1, now_ + i);
  EXPECT_GE(log->segment_count(), 2u);
  EXPECT_EQ(read_bases(*log, 9, 1), (std::vector<int64_t>{9}));
}

TEST_F(LogTest, RetentionByTimeDropsWholeExpiredSegments) {
  config_.retention_ms = 60 * 60 * 1000;  // 1 hour
  config_.segment_ms = 5 * 60 * 1000;     // 5-minute segments (USERS.md #5)
  auto log = open_log();
  for (int minute = 0; minute < 30; ++minute) {
    append(*log, 1, now_);
    now_ += 60 * 1000;
    ASSERT_TRUE(log->housekeeping().ok());
  }
  size_t before = log->segment_count();
  EXPECT_GE(before, 5u);
  EXPECT_EQ(log->log_start_offset(), 0);
  // The first segment holds minutes 0-5; at minute 67 its newest record is
  // past the hour, and it goes.
  now_ += 37 * 60 * 1000;
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_LT(log->segment_count(), before);
  EXPECT_GT(log->log_start_offset(), 0);
  EXPECT_FALSE(fs::exists(segment_path(0, ".log")));
  EXPECT_FALSE(fs::exists(segment_path(0, ".index")));
  // Much later, even the segment being written expires.
  now_ += 2 * 60 * 60 * 1000;
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(log->log_start_offset(), log->end_offset());
  EXPECT_EQ(log->size_bytes(), 0u);
}

TEST_F(LogTest, RetentionByBytesKeepsTheNewestData) {
  config_.segment_bytes = 2048;
  config_.retention_bytes = 4096;
  auto log = open_log();
  for (int i = 0; i < 20; ++i) append(*log, 1, now_, 900);
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_LE(log->size_bytes(), 4096u + 2048u);
  EXPECT_GT(log->log_start_offset(), 0);
  EXPECT_EQ(log->end_offset(), 20);
  EXPECT_FALSE(log->read(0, 100).ok()) << "offset 0 is gone";
}

TEST_F(LogTest, DeleteRecordsMovesTheStartAndPersistsIt) {
  config_.segment_bytes = 2048;
  {
    auto log = open_log();
    for (int i = 0; i < 10; ++i) append(*log, 1, now_, 900);
    ASSERT_TRUE(log->delete_records_before(5).ok());
    EXPECT_EQ(log->log_start_offset(), 5);
    EXPECT_TRUE(log->delete_records_before(3).ok()) << "never moves back";
    EXPECT_EQ(log->log_start_offset(), 5);
    EXPECT_FALSE(log->delete_records_before(11).ok());
    EXPECT_EQ(log->segment(0).base_offset() <= 5, true);
    EXPECT_FALSE(log->read(4, 100).ok());
    ASSERT_TRUE(log->flush().ok());
  }
  auto log = open_log();
  EXPECT_EQ(log->log_start_offset(), 5);
  EXPECT_EQ(log->end_offset(), 10);
}

TEST_F(LogTest, FindsOffsetsByTimestamp) {
  config_.segment_bytes = 2048;
  config_.segment.index_interval_bytes = 1;
  auto log = open_log();
  for (int i = 0; i < 20; ++i) append(*log, 1, 1000 + i * 10, 500);
  EXPECT_EQ(*log->offset_for_timestamp(0), 0);
  EXPECT_EQ(*log->offset_for_timestamp(1000), 0);
  EXPECT_EQ(*log->offset_for_timestamp(1001), 1);
  EXPECT_EQ(*log->offset_for_timestamp(1100), 10);
  EXPECT_EQ(*log->offset_for_timestamp(1190), 19);
  EXPECT_FALSE(log->offset_for_timestamp(1191)->has_value());
}

TEST_F(LogTest, ReopeningAfterFlushPreservesEverythingAndScansOnlyTheTail) {
  config_.segment_bytes = 4096;
  std::vector<int64_t> before;
  {
    auto log = open_log();
    for (int i = 0; i < 30; ++i) append(*log, 2, now_ + i, 300);
    ASSERT_TRUE(log->flush().ok());
    before = read_bases(*log, 0, 1 << 30);
  }
  auto log = open_log();
  EXPECT_EQ(log->end_offset(), 60);
  EXPECT_EQ(read_bases(*log, 0, 1 << 30), before);
  EXPECT_EQ(log->recovery().segments_scanned, 1) << "only the active segment";
  EXPECT_EQ(log->recovery().bytes_truncated, 0u);
  EXPECT_EQ(*log->offset_for_timestamp(now_ + 29), 58);
  auto next = append(*log, 1, now_);
  EXPECT_EQ(next.base_offset, 60);
}

TEST_F(LogTest, TornTailIsTruncatedOnRecovery) {
  uint64_t good_size;
  {
    auto log = open_log();
    for (int i = 0; i < 5; ++i) append(*log, 1, now_);
    ASSERT_TRUE(log->flush().ok());
    good_size = log->size_bytes();
  }
  // The first 30 bytes of a batch whose write was cut short.
  fs::resize_file(segment_path(0, ".log"), good_size);
  {
    auto torn = batch(1, now_, 100);
    std::FILE* f = std::fopen(segment_path(0, ".log").c_str(), "ab");
    ASSERT_EQ(std::fwrite(torn.data(), 1, 30, f), 30u);
    std::fclose(f);
  }
  auto log = open_log();
  EXPECT_EQ(log->end_offset(), 5);
  EXPECT_EQ(log->size_bytes(), good_size);
  EXPECT_EQ(log->recovery().bytes_truncated, 30u);
  EXPECT_EQ(log->recovery().first_problem.code(), Errc::kTruncated);
  EXPECT_EQ(append(*log, 1, now_).base_offset, 5) << "appends continue after the truncation";
}

TEST_F(LogTest, CorruptByteInTheTailIsTruncatedOnRecovery) {
  uint64_t good_size;
  {
    auto log = open_log();
    for (int i = 0; i < 5; ++i) append(*log, 1, now_);
    ASSERT_TRUE(log->flush().ok());
    good_size = log->size_bytes();
  }
  {
    // Two more batches written past the recovery point, one byte of the
    // first flipped.
    auto first = batch(1, now_, 100);
    auto second = batch(1, now_, 100);
    set_base_offset(first, 5);
    set_base_offset(second, 6);
    first[70] ^= 0x40;
    fs::resize_file(segment_path(0, ".log"), good_size);
    int fd = ::open(segment_path(0, ".log").c_str(), O_RDWR);
    ASSERT_EQ(::pwrite(fd, first.data(), first.size(), static_cast<off_t>(good_size)),
              static_cast<ssize_t>(first.size()));
    ASSERT_EQ(::pwrite(fd, second.data(), second.size(), static_cast<off_t>(good_size + first.size())),
              static_cast<ssize_t>(second.size()));
    ::close(fd);
  }
  auto log = open_log();
  EXPECT_EQ(log->end_offset(), 5) << "the corrupt batch and everything after it go";
  EXPECT_EQ(log->size_bytes(), good_size);
  EXPECT_EQ(log->recovery().first_problem.code(), Errc::kCorrupt);
}

TEST_F(LogTest, MissingOrDamagedIndexOfASealedSegmentIsRebuilt) {
  config_.segment_bytes = 4096;
  config_.segment.index_interval_bytes = 256;
  {
    auto log = open_log();
    for (int i = 0; i < 30; ++i) append(*log, 1, now_ + i, 300);
    ASSERT_TRUE(log->flush().ok());
    ASSERT_GE(log->segment_count(), 3u);
  }
  fs::remove(segment_path(0, ".index"));
  {
    std::FILE* f = std::fopen(segment_path(0, ".timeindex").c_str(), "ab");
    std::fputc(0, f);  // no longer a whole number of entries
    std::fclose(f);
  }
  auto log = open_log();
  EXPECT_GE(log->recovery().indexes_rebuilt, 1);
  EXPECT_TRUE(fs::exists(segment_path(0, ".index")));
  EXPECT_EQ(fs::file_size(segment_path(0, ".timeindex")) % 12, 0u);
  EXPECT_EQ(read_bases(*log, 3, 1), (std::vector<int64_t>{3}));
  EXPECT_EQ(*log->offset_for_timestamp(now_ + 4), 4);
}

TEST_F(LogTest, UnflushedSegmentsAfterTheRecoveryPointAreVerified) {
  config_.segment_bytes = 2048;
  {
    auto log = open_log();
    for (int i = 0; i < 4; ++i) append(*log, 1, now_, 900);
    ASSERT_TRUE(log->flush().ok());
    for (int i = 0; i < 6; ++i) append(*log, 1, now_, 900);  // rolls, never checkpointed
  }
  auto log = open_log();
  EXPECT_EQ(log->end_offset(), 10);
  EXPECT_GE(log->recovery().segments_scanned, 2) << "segments past the recovery point are scanned";
}

TEST_F(LogTest, CorruptionInAnOlderUnflushedSegmentDropsEverythingAfterIt) {
  config_.segment_bytes = 2048;
  {
    auto log = open_log();
    for (int i = 0; i < 10; ++i) append(*log, 1, now_, 900);
    ASSERT_GE(log->segment_count(), 3u);
  }
  // Never flushed: recovery point 0, so every segment is verified.
  fs::resize_file(segment_path(0, ".log"), 1000);
  auto log = open_log();
  EXPECT_EQ(log->end_offset(), 1);
  EXPECT_GE(log->recovery().segments_dropped, 1);
  EXPECT_EQ(append(*log, 1, now_).base_offset, 1);
}

}  // namespace
}  // namespace runnel::storage

namespace runnel::storage {
namespace {

TEST_F(LogTest, OpenFilesOfSealedSegmentsStayWithinTheBudget) {
  OpenSegmentCache cache(3);
  config_.segment_bytes = 2048;
  config_.segment.open_files = &cache;
  {
    auto log = open_log();
    for (int i = 0; i < 40; ++i) append(*log, 1, now_ + i, 900);
    ASSERT_GE(log->segment_count(), 15u);
    EXPECT_LE(cache.open_count(), 3u);
    size_t open = 0;
    for (size_t i = 0; i < log->segment_count(); ++i) open += log->segment(i).files_open();
    EXPECT_LE(open, 4u) << "three sealed plus the active one";
    // Every segment still reads, reopening on demand.
    for (int64_t o = 0; o < 40; o += 3) EXPECT_EQ(read_bases(*log, o, 1), (std::vector<int64_t>{o}));
    EXPECT_EQ(*log->offset_for_timestamp(now_ + 7), 7);
    EXPECT_LE(cache.open_count(), 3u);
    ASSERT_TRUE(log->flush().ok());
  }
  EXPECT_EQ(cache.open_count(), 0u) << "closed logs leave the cache";
  auto log = open_log();
  EXPECT_LE(cache.open_count(), 3u) << "start-up respects the budget too";
  EXPECT_EQ(log->end_offset(), 40);
  config_.retention_ms = 1;
  ASSERT_TRUE(log->update_config(config_).ok());
  now_ += 1'000'000;
  ASSERT_TRUE(log->housekeeping().ok()) << "closed segments are deleted by name";
  EXPECT_EQ(log->log_start_offset(), 40);
}

}  // namespace
}  // namespace runnel::storage
