#include "kafka/batch_conformance.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch_builder.h"

namespace runnel::kafka {
namespace {

std::vector<uint8_t> batch_of(CompressionType codec, std::vector<std::optional<std::string>> keys) {
  RecordBatchBuilder b;
  b.compression(codec);
  int i = 0;
  for (const auto& key : keys) {
    std::string value = "value-" + std::to_string(i++);
    b.add(key ? std::optional<std::string_view>(*key) : std::nullopt, std::string_view(value), 1000 + i);
  }
  auto built = b.build();
  EXPECT_TRUE(built.ok());
  return *built;
}

RecordBatchView view_of(const std::vector<uint8_t>& bytes) {
  auto v = RecordBatchView::parse(bytes);
  EXPECT_TRUE(v.ok());
  return *v;
}

// The values of every record, decompressing as needed.
std::vector<std::string> values_of(const std::vector<uint8_t>& bytes) {
  RecordBatchView batch = view_of(bytes);
  EXPECT_TRUE(batch.validate().ok());
  std::vector<uint8_t> plain(batch.records_payload().begin(), batch.records_payload().end());
  if (batch.compression() != CompressionType::kNone) {
    auto d = decompress(batch.compression(), batch.records_payload(), 1 << 20);
    EXPECT_TRUE(d.ok());
    plain = *d;
  }
  std::vector<std::string> out;
  Status s = for_each_record(plain, batch.record_count(),
                             [&](const RecordView& r) { out.emplace_back(r.value.value_or("<null>")); });
  EXPECT_TRUE(s.ok());
  return out;
}

TEST(BatchConformance, PlainBatchWithNothingToChangeIsLeftAlone) {
  auto bytes = batch_of(CompressionType::kNone, {std::nullopt, "k"});
  Conformance c = conform_batch(view_of(bytes), BatchRules{});
  EXPECT_EQ(c.error, ErrorCode::kNone);
  EXPECT_FALSE(c.rewritten.has_value());
}

TEST(BatchConformance, CompactedTopicRefusesAKeylessRecordEvenInsideACompressedBatch) {
  BatchRules rules;
  rules.require_keys = true;
  for (CompressionType codec : {CompressionType::kNone, CompressionType::kGzip, CompressionType::kZstd}) {
    auto keyless = batch_of(codec, {"a", std::nullopt, "c"});
    Conformance c = conform_batch(view_of(keyless), rules);
    EXPECT_EQ(c.error, ErrorCode::kInvalidRecord) << compression_name(codec);
    EXPECT_NE(c.message.find("without key"), std::string::npos);
    auto keyed = batch_of(codec, {"a", "b"});
    EXPECT_EQ(conform_batch(view_of(keyed), rules).error, ErrorCode::kNone) << compression_name(codec);
  }
}

TEST(BatchConformance, RecompressesToTheTopicCodecKeepingEveryRecord) {
  auto bytes = batch_of(CompressionType::kSnappy, {"a", "b", "c"});
  BatchRules rules;
  rules.compression = CompressionType::kGzip;
  Conformance c = conform_batch(view_of(bytes), rules);
  ASSERT_EQ(c.error, ErrorCode::kNone) << c.message;
  ASSERT_TRUE(c.rewritten.has_value());
  RecordBatchView rewritten = view_of(*c.rewritten);
  EXPECT_EQ(rewritten.compression(), CompressionType::kGzip);
  EXPECT_TRUE(rewritten.crc_matches());
  EXPECT_EQ(rewritten.record_count(), 3);
  EXPECT_EQ(rewritten.last_offset_delta(), view_of(bytes).last_offset_delta());
  EXPECT_EQ(values_of(*c.rewritten), values_of(bytes));

  rules.compression = CompressionType::kNone;
  Conformance plain = conform_batch(view_of(bytes), rules);
  ASSERT_TRUE(plain.rewritten.has_value());
  EXPECT_EQ(view_of(*plain.rewritten).compression(), CompressionType::kNone);
  EXPECT_EQ(values_of(*plain.rewritten), values_of(bytes));
}

TEST(BatchConformance, SameCodecIsNotRewritten) {
  auto bytes = batch_of(CompressionType::kLz4, {"a"});
  BatchRules rules;
  rules.compression = CompressionType::kLz4;
  Conformance c = conform_batch(view_of(bytes), rules);
  EXPECT_EQ(c.error, ErrorCode::kNone);
  EXPECT_FALSE(c.rewritten.has_value());
}

TEST(BatchConformance, GarbageInsideACompressedBatchIsCorrupt) {
  auto bytes = batch_of(CompressionType::kGzip, {"a", "b"});
  // Damage the compressed payload, then fix the CRC so only the records are wrong.
  bytes[bytes.size() - 6] ^= 0xff;
  bytes[kRecordBatchHeaderSize + 12] ^= 0x55;
  rewrite_crc(bytes);
  Conformance c = conform_batch(view_of(bytes), BatchRules{});
  EXPECT_EQ(c.error, ErrorCode::kCorruptMessage);
}

TEST(BatchConformance, RecompressedBatchAboveMaxMessageBytesIsTooLarge) {
  // Repetitive values: the zstd batch is far smaller than the plain one.
  RecordBatchBuilder b;
  b.compression(CompressionType::kZstd);
  const std::string value(4000, 'x');
  for (int i = 0; i < 4; ++i) b.add(std::string_view("k"), std::string_view(value), 1000);
  auto bytes = b.build();
  ASSERT_TRUE(bytes.ok());
  ASSERT_LT(bytes->size(), 4000u);
  BatchRules rules;
  rules.compression = CompressionType::kNone;
  rules.max_batch_bytes = 8000;
  Conformance c = conform_batch(view_of(*bytes), rules);
  EXPECT_EQ(c.error, ErrorCode::kMessageTooLarge);
  rules.max_batch_bytes = 1 << 20;
  EXPECT_EQ(conform_batch(view_of(*bytes), rules).error, ErrorCode::kNone);
}

}  // namespace
}  // namespace runnel::kafka
