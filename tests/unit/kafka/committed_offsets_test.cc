#include "kafka/group/committed_offsets.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/record_batch_builder.h"
#include "../storage/temp_dir.h"

namespace runnel::kafka {
namespace {

std::string text(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

struct Record {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> value;
};

Record commit(const std::string& group, const std::string& topic, int32_t partition, int64_t offset) {
  OffsetCommitValue v;
  v.offset = offset;
  v.commit_timestamp = 1700000000000;
  return {encode_offsets_key(OffsetCommitKey{group, topic, partition}), encode_offsets_value(v)};
}

Record tombstone(const std::string& group, const std::string& topic, int32_t partition) {
  return {encode_offsets_key(OffsetCommitKey{group, topic, partition}), std::nullopt};
}

void append(storage::Log& log, const std::vector<Record>& records, CompressionType codec = CompressionType::kNone) {
  RecordBatchBuilder b;
  b.compression(codec);
  std::vector<std::string> keys, values;
  for (const auto& r : records) {
    keys.push_back(text(r.key));
    values.push_back(r.value ? text(*r.value) : "");
  }
  for (size_t i = 0; i < records.size(); ++i) {
    b.add(std::string_view(keys[i]),
          records[i].value ? std::optional<std::string_view>(values[i]) : std::nullopt, 1700000000000);
  }
  auto batch = b.build();
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(log.append(*batch).ok());
}

std::unique_ptr<storage::Log> open_log(const storage::TempDir& dir) {
  auto log = storage::Log::open(dir.path() + "/kafka/__consumer_offsets/0", storage::LogConfig{},
                                [] { return int64_t{1700000000000}; });
  EXPECT_TRUE(log.ok());
  return std::move(*log);
}

TEST(CommittedOffsets, ReplayKeepsTheLatestCommitPerGroupAndPartition) {
  storage::TempDir dir;
  auto log = open_log(dir);
  append(*log, {commit("g1", "orders", 0, 10), commit("g1", "orders", 1, 20), commit("g2", "orders", 0, 5)});
  append(*log, {commit("g1", "orders", 0, 15)}, CompressionType::kZstd);
  append(*log, {tombstone("g2", "orders", 0)}, CompressionType::kGzip);

  GroupMetadataValue meta;
  meta.protocol_type = "consumer";
  meta.generation = 3;
  append(*log, {{encode_offsets_key(GroupMetadataKey{"g1"}), encode_offsets_value(meta)}});

  CommittedOffsets offsets;
  auto report = load_committed_offsets(*log, offsets);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->records, 6);
  EXPECT_EQ(report->skipped, 0);
  ASSERT_NE(offsets.find("g1", "orders", 0), nullptr);
  EXPECT_EQ(offsets.find("g1", "orders", 0)->offset, 15);
  EXPECT_EQ(offsets.find("g1", "orders", 1)->offset, 20);
  EXPECT_EQ(offsets.find("g2", "orders", 0), nullptr) << "the tombstone deleted it";
  auto g1 = offsets.of_group("g1");
  ASSERT_EQ(g1.size(), 2u);
  EXPECT_EQ(g1[0].first.partition, 0);
  EXPECT_EQ(g1[1].first.partition, 1);
  ASSERT_NE(offsets.group_metadata("g1"), nullptr);
  EXPECT_EQ(offsets.group_metadata("g1")->generation, 3);
  EXPECT_EQ(offsets.groups(), (std::vector<std::string>{"g1"}));
}

TEST(CommittedOffsets, UnknownAndDamagedRecordsAreSkippedNotFatal) {
  storage::TempDir dir;
  auto log = open_log(dir);
  std::vector<uint8_t> newer_key = {0, 11, 0, 1, 'g'};  // a newer group protocol's record
  std::vector<uint8_t> garbage_key = {0, 1, 0x7f};      // offset commit key cut short
  append(*log, {commit("g", "t", 0, 1), {newer_key, std::vector<uint8_t>{1, 2}}, {garbage_key, std::nullopt},
                commit("g", "t", 1, 2)});
  CommittedOffsets offsets;
  auto report = load_committed_offsets(*log, offsets);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->records, 2);
  EXPECT_EQ(report->skipped, 2);
  EXPECT_EQ(offsets.offset_count(), 2u);
}

TEST(CommittedOffsets, AnEmptyLogLoadsNothing) {
  storage::TempDir dir;
  auto log = open_log(dir);
  CommittedOffsets offsets;
  auto report = load_committed_offsets(*log, offsets);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->records, 0);
  EXPECT_TRUE(offsets.groups().empty());
}

}  // namespace
}  // namespace runnel::kafka
