// The metrics a Log keeps: segments created, bytes and batches written,
// bytes flushed, and a size gauge that follows appends, rolls, retention,
// DeleteRecords and reopening.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "metrics/catalog.h"
#include "protocol/record_batch_builder.h"
#include "storage/log.h"
#include "temp_dir.h"

namespace runnel::storage {
namespace {

std::vector<uint8_t> batch(int records, int64_t ts) {
  RecordBatchBuilder b;
  for (int i = 0; i < records; ++i) b.add("key", std::string(200, 'v'), ts);
  return *b.build();
}

TEST(LogMetrics, FollowTheLog) {
  TempDir root;
  const std::string dir = root.path() + "/kafka/metered/0";
  int64_t now = 1'000'000;
  LogConfig config;
  config.segment_bytes = 2048;
  auto cells = std::make_shared<metrics::LogCells>("metered-unit", 0);
  auto opened = Log::open(
      dir, config, [&] { return now; }, cells);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  std::unique_ptr<Log> log = std::move(*opened);
  EXPECT_EQ(cells->segments_created->value(), 1u);  // the first, empty segment
  EXPECT_EQ(cells->partition_size->value(), 0);

  uint64_t written = 0;
  for (int i = 0; i < 20; ++i) {
    auto bytes = batch(3, now);
    ASSERT_TRUE(log->append(bytes).ok());
    written += bytes.size();
  }
  EXPECT_EQ(cells->written_bytes->value(), written);
  EXPECT_EQ(cells->batches_written->value(), 20u);
  EXPECT_GT(log->segment_count(), 3u);
  EXPECT_EQ(cells->segments_created->value(), log->segment_count());
  EXPECT_EQ(cells->partition_size->value(), static_cast<int64_t>(log->size_bytes()));
  EXPECT_EQ(cells->flushed_bytes->value(), 0u);

  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(cells->flushed_bytes->value(), written);
  ASSERT_TRUE(log->flush().ok());  // nothing new: nothing counted
  EXPECT_EQ(cells->flushed_bytes->value(), written);

  // DeleteRecords drops whole segments: the gauge follows.
  ASSERT_TRUE(log->delete_records_before(log->end_offset() - 3).ok());
  EXPECT_LT(log->size_bytes(), written);
  EXPECT_EQ(cells->partition_size->value(), static_cast<int64_t>(log->size_bytes()));

  // Retention: the expired active segment rolls (one more created) and
  // every older segment goes, leaving an empty log.
  config.retention_ms = 1000;
  ASSERT_TRUE(log->update_config(config).ok());
  now += 10'000;
  const uint64_t created = cells->segments_created->value();
  ASSERT_TRUE(log->housekeeping().ok());
  EXPECT_EQ(cells->segments_created->value(), created + 1);
  EXPECT_EQ(log->size_bytes(), 0u);
  EXPECT_EQ(cells->partition_size->value(), 0);

  // Reopened, the gauge starts from what is on disk; opening creates nothing.
  const uint64_t size_on_disk = log->size_bytes();
  log.reset();
  auto again = std::make_shared<metrics::LogCells>("metered-unit-again", 0);
  auto reopened = Log::open(
      dir, config, [&] { return now; }, again);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(again->partition_size->value(), static_cast<int64_t>(size_on_disk));
  EXPECT_EQ(again->segments_created->value(), 0u);
}

// Fetch counts records by the offset after a read range, whether the range
// was found by walking batch headers or by jumping along the index.
TEST(LogRead, RangeKnowsTheOffsetAfterIt) {
  TempDir root;
  LogConfig config;
  config.segment.index_interval_bytes = 256;  // an index entry every other batch or so
  auto opened = Log::open(root.path() + "/kafka/ranged/0", config, [] { return int64_t{1'000'000}; });
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<Log> log = std::move(*opened);
  std::vector<size_t> sizes;
  for (int i = 0; i < 30; ++i) {
    auto bytes = batch(2, 1'000'000);
    sizes.push_back(bytes.size());
    ASSERT_TRUE(log->append(bytes).ok());
  }
  auto all = log->read(0, 1 << 20);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->next_offset, 60);
  // A budget of exactly 7 batches from offset 5 (inside batch 2): batches 2..8.
  size_t seven = 0;
  for (int i = 2; i < 9; ++i) seven += sizes[i];
  auto part = log->read(5, seven);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->length, seven);
  EXPECT_EQ(part->next_offset, 18);
  auto at_end = log->read(60, 1 << 20);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(at_end->length, 0u);
  EXPECT_EQ(at_end->next_offset, -1);
}

}  // namespace
}  // namespace runnel::storage
