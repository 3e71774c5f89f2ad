#include "protocol/record_batch.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "base/big_endian.h"
#include "protocol/record.h"
#include "protocol/record_batch_builder.h"

namespace runnel {
namespace {

// Avoids g++ 12's -Wrestrict false positive on `"literal" + std::string`.
std::string numbered(std::string_view prefix, int i) {
  std::string out(prefix);
  out.append(std::to_string(i));
  return out;
}

std::vector<uint8_t> sample_batch(CompressionType type = CompressionType::kNone, int records = 5) {
  RecordBatchBuilder b;
  b.base_offset(100).partition_leader_epoch(3).producer(42, 7, 1000).compression(type);
  for (int i = 0; i < records; ++i) {
    std::vector<RecordHeader> headers;
    if (i % 2 == 0) headers.push_back({numbered("h", i), std::string("hv")});
    if (i == 3) headers.push_back({"null-header", std::nullopt});
    std::string key = numbered("key-", i);
    std::string value = numbered("value-", i).append(100, 'x');
    b.add(i == 1 ? std::nullopt : std::optional<std::string_view>(key),
          i == 2 ? std::nullopt : std::optional<std::string_view>(value), 1'700'000'000'000 + i * 10,
          std::move(headers));
  }
  auto built = b.build();
  EXPECT_TRUE(built.ok()) << built.status().to_string();
  return *built;
}

void store_count(std::vector<uint8_t>& bytes, int32_t count) {
  store_u32(&bytes[batch_field::kRecordCount], static_cast<uint32_t>(count));
}

struct Decoded {
  std::optional<std::string> key, value;
  std::vector<RecordHeaderView> headers;
  int32_t offset_delta;
  int64_t timestamp_delta;
};

std::vector<Decoded> read_records(std::span<const uint8_t> payload, int32_t count, Status* status) {
  std::vector<Decoded> out;
  RecordIterator it(payload, count);
  RecordView rec;
  while (it.next(&rec)) {
    Decoded d;
    if (rec.key) d.key = std::string(*rec.key);
    if (rec.value) d.value = std::string(*rec.value);
    d.headers = decode_headers(rec);
    d.offset_delta = rec.offset_delta;
    d.timestamp_delta = rec.timestamp_delta;
    out.push_back(std::move(d));
  }
  *status = it.status();
  return out;
}

void expect_sample_records(const std::vector<Decoded>& recs) {
  ASSERT_EQ(recs.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(recs[i].offset_delta, i);
    EXPECT_EQ(recs[i].timestamp_delta, i * 10);
    if (i == 1) {
      EXPECT_FALSE(recs[i].key.has_value());
    } else {
      EXPECT_EQ(recs[i].key, numbered("key-", i));
    }
    if (i == 2) {
      EXPECT_FALSE(recs[i].value.has_value());
    } else {
      EXPECT_EQ(recs[i].value, numbered("value-", i).append(100, 'x'));
    }
  }
  ASSERT_EQ(recs[0].headers.size(), 1u);
  EXPECT_EQ(recs[0].headers[0].key, "h0");
  EXPECT_EQ(recs[0].headers[0].value, "hv");
  ASSERT_EQ(recs[3].headers.size(), 1u);
  EXPECT_EQ(recs[3].headers[0].key, "null-header");
  EXPECT_FALSE(recs[3].headers[0].value.has_value());
}

TEST(RecordBatch, BuilderAndViewAgreeOnEveryHeaderField) {
  auto bytes = sample_batch();
  auto view = RecordBatchView::parse(bytes);
  ASSERT_TRUE(view.ok()) << view.status().to_string();
  EXPECT_EQ(view->base_offset(), 100);
  EXPECT_EQ(view->size_bytes(), bytes.size());
  EXPECT_EQ(static_cast<size_t>(view->batch_length()) + kRecordBatchLogOverhead, bytes.size());
  EXPECT_EQ(view->partition_leader_epoch(), 3);
  EXPECT_EQ(view->magic(), 2);
  EXPECT_EQ(view->last_offset_delta(), 4);
  EXPECT_EQ(view->last_offset(), 104);
  EXPECT_EQ(view->next_offset(), 105);
  EXPECT_EQ(view->base_timestamp(), 1'700'000'000'000);
  EXPECT_EQ(view->max_timestamp(), 1'700'000'000'040);
  EXPECT_EQ(view->producer_id(), 42);
  EXPECT_EQ(view->producer_epoch(), 7);
  EXPECT_EQ(view->base_sequence(), 1000);
  EXPECT_EQ(view->record_count(), 5);
  EXPECT_EQ(view->compression(), CompressionType::kNone);
  EXPECT_EQ(view->timestamp_type(), TimestampType::kCreateTime);
  EXPECT_FALSE(view->is_transactional());
  EXPECT_FALSE(view->is_control());
  EXPECT_TRUE(view->is_idempotent());
  EXPECT_TRUE(view->crc_matches());
  EXPECT_TRUE(view->validate().ok());

  Status status;
  expect_sample_records(read_records(view->records_payload(), view->record_count(), &status));
  EXPECT_TRUE(status.ok()) << status.to_string();
}

TEST(RecordBatch, FlagsRoundTrip) {
  RecordBatchBuilder b;
  b.transactional(true).control(true).timestamp_type(TimestampType::kLogAppendTime).add("k", "v", 5);
  auto bytes = *b.build();
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_TRUE(view.is_transactional());
  EXPECT_TRUE(view.is_control());
  EXPECT_EQ(view.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_FALSE(view.is_idempotent());
  EXPECT_TRUE(view.validate().ok());
}

TEST(RecordBatch, EveryCodecCompressesAndValidatesAfterDecompression) {
  for (auto type :
       {CompressionType::kGzip, CompressionType::kSnappy, CompressionType::kLz4, CompressionType::kZstd}) {
    SCOPED_TRACE(std::string(compression_name(type)));
    auto bytes = sample_batch(type);
    auto view = RecordBatchView::parse(bytes);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->compression(), type);
    ASSERT_TRUE(view->validate().ok());
    auto plain = decompress(type, view->records_payload(), 1 << 20);
    ASSERT_TRUE(plain.ok()) << plain.status().to_string();
    EXPECT_TRUE(validate_records(*plain, view->record_count(), view->last_offset_delta(), true).ok());
    Status status;
    expect_sample_records(read_records(*plain, view->record_count(), &status));
    EXPECT_TRUE(status.ok());
  }
}

TEST(RecordBatch, AnyFlippedBitInTheChecksummedRegionIsCorrupt) {
  auto bytes = sample_batch();
  for (size_t i = batch_field::kAttributes; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto copy = bytes;
      copy[i] ^= static_cast<uint8_t>(1 << bit);
      auto view = RecordBatchView::parse(copy);
      ASSERT_TRUE(view.ok());
      ASSERT_EQ(view->validate().code(), Errc::kCorrupt) << "byte " << i << " bit " << bit;
    }
  }
  // The CRC field itself.
  for (size_t i = batch_field::kCrc; i < batch_field::kAttributes; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto copy = bytes;
      copy[i] ^= static_cast<uint8_t>(1 << bit);
      ASSERT_EQ(RecordBatchView::parse(copy)->validate().code(), Errc::kCorrupt)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(RecordBatch, CompressedPayloadsAreCoveredByTheCrcToo) {
  auto bytes = sample_batch(CompressionType::kZstd);
  for (size_t i = kRecordBatchHeaderSize; i < bytes.size(); ++i) {
    auto copy = bytes;
    copy[i] ^= 0x10;
    ASSERT_EQ(RecordBatchView::parse(copy)->validate().code(), Errc::kCorrupt) << "byte " << i;
  }
}

TEST(RecordBatch, EveryTruncationIsRefused) {
  auto bytes = sample_batch();
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto view = RecordBatchView::parse(std::span<const uint8_t>(bytes.data(), n));
    ASSERT_FALSE(view.ok()) << n;
    ASSERT_EQ(view.status().code(), Errc::kTruncated) << n;
  }
}

TEST(RecordBatch, WrongRecordCountIsInvalidEvenWithAFixedCrc) {
  for (int32_t count : {4, 6, 1000, 0x7fffffff}) {
    auto bytes = sample_batch();
    bytes[batch_field::kRecordCount] = static_cast<uint8_t>(count >> 24);
    bytes[batch_field::kRecordCount + 1] = static_cast<uint8_t>(count >> 16);
    bytes[batch_field::kRecordCount + 2] = static_cast<uint8_t>(count >> 8);
    bytes[batch_field::kRecordCount + 3] = static_cast<uint8_t>(count);
    rewrite_crc(bytes);
    auto status = RecordBatchView::parse(bytes)->validate();
    EXPECT_EQ(status.code(), Errc::kInvalidValue) << count << ": " << status.to_string();
  }
  auto bytes = sample_batch();
  bytes[batch_field::kRecordCount + 3] = 0xff;  // -1 after the high bytes
  bytes[batch_field::kRecordCount] = 0xff;
  bytes[batch_field::kRecordCount + 1] = 0xff;
  bytes[batch_field::kRecordCount + 2] = 0xff;
  rewrite_crc(bytes);
  EXPECT_EQ(RecordBatchView::parse(bytes)->validate().code(), Errc::kInvalidValue);
}

TEST(RecordBatch, CompressedBatchWithAWrongCountFailsAfterDecompression) {
  for (auto type :
       {CompressionType::kGzip, CompressionType::kSnappy, CompressionType::kLz4, CompressionType::kZstd}) {
    SCOPED_TRACE(std::string(compression_name(type)));
    auto bytes = sample_batch(type);
    store_count(bytes, 7);
    rewrite_crc(bytes);
    auto view = *RecordBatchView::parse(bytes);
    // The header alone cannot tell (the broker does not decompress on the hot
    // path) except that the last offset delta no longer fits the count.
    BatchValidation stored;
    stored.require_consecutive_offsets = false;
    EXPECT_EQ(view.validate().code(), Errc::kInvalidValue);
    EXPECT_EQ(view.validate(stored).code(), Errc::kInvalidValue);
    auto plain = decompress(type, view.records_payload(), 1 << 20);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(validate_records(*plain, 7, 6, true).code(), Errc::kInvalidValue);
    EXPECT_EQ(validate_records(*plain, 4, 3, true).code(), Errc::kTrailingBytes);
    EXPECT_TRUE(validate_records(*plain, 5, 4, true).ok());
  }
}

TEST(RecordBatch, CompressedBatchWithNoPayloadIsInvalid) {
  auto bytes = sample_batch(CompressionType::kLz4);
  bytes.resize(kRecordBatchHeaderSize);
  store_u32(&bytes[batch_field::kBatchLength],
            static_cast<uint32_t>(kRecordBatchHeaderSize - kRecordBatchLogOverhead));
  rewrite_crc(bytes);
  EXPECT_EQ(RecordBatchView::parse(bytes)->validate().code(), Errc::kInvalidValue);
}

TEST(RecordBatch, UnknownCompressionTypesAreInvalid) {
  for (uint8_t codec : {5, 6, 7}) {
    auto bytes = sample_batch();
    bytes[batch_field::kAttributes + 1] =
        static_cast<uint8_t>((bytes[batch_field::kAttributes + 1] & ~7) | codec);
    rewrite_crc(bytes);
    EXPECT_EQ(RecordBatchView::parse(bytes)->validate().code(), Errc::kInvalidValue) << int{codec};
  }
}

TEST(RecordBatch, AttributeBitsReadIndependently) {
  auto bytes = sample_batch(CompressionType::kSnappy);
  bytes[batch_field::kAttributes + 1] |= 0x40;  // delete horizon, set by compaction
  rewrite_crc(bytes);
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_TRUE(view.has_delete_horizon());
  EXPECT_EQ(view.compression(), CompressionType::kSnappy);
  EXPECT_FALSE(view.is_transactional());
  EXPECT_FALSE(view.is_control());
  EXPECT_EQ(view.timestamp_type(), TimestampType::kCreateTime);
  EXPECT_TRUE(view.validate().ok());
  EXPECT_FALSE(RecordBatchView::parse(sample_batch())->has_delete_horizon());
}

TEST(RecordBatch, RecordLengthLyingPastTheEndIsInvalid) {
  auto bytes = sample_batch();
  // The first record's length varint sits right after the header.
  bytes[kRecordBatchHeaderSize] = 0x7e;  // zigzag 63 -> claims a much longer record... then fix the CRC
  rewrite_crc(bytes);
  EXPECT_EQ(RecordBatchView::parse(bytes)->validate().code(), Errc::kInvalidValue);
  bytes[kRecordBatchHeaderSize] = 0x01;  // -1
  rewrite_crc(bytes);
  EXPECT_EQ(RecordBatchView::parse(bytes)->validate().code(), Errc::kInvalidValue);
}

TEST(RecordBatch, LastOffsetDeltaMustMatchProducerCount) {
  auto bytes = sample_batch();
  bytes[batch_field::kLastOffsetDelta + 3] = 9;
  rewrite_crc(bytes);
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_EQ(view.validate().code(), Errc::kInvalidValue);
  BatchValidation stored;
  stored.require_consecutive_offsets = false;
  EXPECT_TRUE(view.validate(stored).ok()) << "a compacted batch may end beyond its last record";
}

TEST(RecordBatch, OldMessageFormatsAreRefusedClearly) {
  for (uint8_t magic : {0, 1}) {
    auto bytes = sample_batch();
    bytes[batch_field::kMagic] = magic;
    auto view = RecordBatchView::parse(bytes);
    ASSERT_FALSE(view.ok());
    EXPECT_EQ(view.status().code(), Errc::kUnsupportedMagic);
    EXPECT_NE(view.status().detail().find("v0/v1"), std::string_view::npos);
  }
  auto bytes = sample_batch();
  bytes[batch_field::kMagic] = 3;
  EXPECT_EQ(RecordBatchView::parse(bytes).status().code(), Errc::kUnsupportedMagic);
}

TEST(RecordBatch, NegativeOrTinyBatchLengthIsInvalid) {
  for (int32_t length : {-1, -100, 0, 48}) {
    auto bytes = sample_batch();
    bytes[batch_field::kBatchLength] = static_cast<uint8_t>(length >> 24);
    bytes[batch_field::kBatchLength + 1] = static_cast<uint8_t>(length >> 16);
    bytes[batch_field::kBatchLength + 2] = static_cast<uint8_t>(length >> 8);
    bytes[batch_field::kBatchLength + 3] = static_cast<uint8_t>(length);
    EXPECT_EQ(RecordBatchView::parse(bytes).status().code(), Errc::kInvalidValue) << length;
  }
}

TEST(RecordBatch, OversizedBatchIsTooLarge) {
  auto bytes = sample_batch();
  EXPECT_EQ(RecordBatchView::parse(bytes, 100).status().code(), Errc::kTooLarge);
  BatchValidation rules;
  rules.max_batch_bytes = 100;
  EXPECT_EQ(RecordBatchView::parse(bytes)->validate(rules).code(), Errc::kTooLarge);
}

TEST(RecordBatch, IteratorSplitsBackToBackBatchesAndRefusesAPartialTail) {
  auto a = sample_batch();
  auto b = sample_batch(CompressionType::kLz4, 2);
  std::vector<uint8_t> both(a);
  both.insert(both.end(), b.begin(), b.end());
  RecordBatchIterator it(both);
  auto first = it.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size_bytes(), a.size());
  auto second = it.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->record_count(), 2);
  EXPECT_FALSE(it.next());
  EXPECT_TRUE(it.status().ok());

  both.resize(both.size() - 1);
  RecordBatchIterator torn(both);
  ASSERT_TRUE(torn.next());
  EXPECT_FALSE(torn.next());
  EXPECT_EQ(torn.status().code(), Errc::kTruncated);
  EXPECT_EQ(torn.remaining(), b.size() - 1);
}

TEST(RecordBatch, AStreamCutAnywhereYieldsTheWholeBatchesThenTruncated) {
  std::vector<std::vector<uint8_t>> parts = {sample_batch(), sample_batch(CompressionType::kGzip, 3),
                                             *RecordBatchBuilder().build(),
                                             sample_batch(CompressionType::kNone, 1)};
  std::vector<uint8_t> stream;
  std::vector<size_t> ends;
  for (const auto& p : parts) {
    stream.insert(stream.end(), p.begin(), p.end());
    ends.push_back(stream.size());
  }
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    RecordBatchIterator it(std::span<const uint8_t>(stream.data(), cut));
    size_t whole = 0, consumed = 0;
    while (auto batch = it.next()) {
      ASSERT_TRUE(batch->validate().ok());
      consumed += batch->size_bytes();
      ++whole;
    }
    size_t expected_whole = 0;
    while (expected_whole < ends.size() && ends[expected_whole] <= cut) ++expected_whole;
    ASSERT_EQ(whole, expected_whole) << "cut " << cut;
    ASSERT_EQ(consumed + it.remaining(), cut);
    bool on_boundary = consumed == cut;
    ASSERT_EQ(it.status().ok(), on_boundary) << "cut " << cut;
    if (!on_boundary) {
      ASSERT_EQ(it.status().code(), Errc::kTruncated) << "cut " << cut;
    }
  }
}

TEST(RecordBatch, SplitIsAllOrNothing) {
  auto a = sample_batch();
  auto b = sample_batch(CompressionType::kSnappy, 2);
  std::vector<uint8_t> stream(a);
  stream.insert(stream.end(), b.begin(), b.end());
  auto views = split_record_batches(stream);
  ASSERT_TRUE(views.ok());
  ASSERT_EQ(views->size(), 2u);
  EXPECT_EQ((*views)[0].bytes().data(), stream.data());
  EXPECT_EQ((*views)[1].bytes().data(), stream.data() + a.size());
  EXPECT_EQ((*views)[1].size_bytes(), b.size());
  EXPECT_TRUE(split_record_batches({})->empty());

  stream.pop_back();
  EXPECT_EQ(split_record_batches(stream).status().code(), Errc::kTruncated);
  EXPECT_EQ(split_record_batches(stream, 100).status().code(), Errc::kTooLarge);
}

TEST(RecordBatch, IteratorStopsAtAnOversizedOrForeignBatch) {
  auto a = sample_batch();
  std::vector<uint8_t> stream(a);
  stream.insert(stream.end(), a.begin(), a.end());
  RecordBatchIterator small(stream, a.size() - 1);
  EXPECT_FALSE(small.next());
  EXPECT_EQ(small.status().code(), Errc::kTooLarge);

  stream[a.size() + batch_field::kMagic] = 1;
  RecordBatchIterator mixed(stream);
  EXPECT_TRUE(mixed.next());
  EXPECT_FALSE(mixed.next());
  EXPECT_EQ(mixed.status().code(), Errc::kUnsupportedMagic);
  EXPECT_EQ(mixed.remaining(), a.size());
}

TEST(RecordBatch, InPlaceEditsKeepACompressedBatchValid) {
  auto bytes = sample_batch(CompressionType::kGzip);
  set_base_offset(bytes, 77);
  set_partition_leader_epoch(bytes, 4);
  set_max_timestamp(bytes, TimestampType::kLogAppendTime, 1'900'000'000'000);
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_TRUE(view.validate().ok());
  EXPECT_EQ(view.compression(), CompressionType::kGzip) << "the codec bits survive the timestamp edit";
  EXPECT_EQ(view.base_offset(), 77);
  EXPECT_EQ(view.last_offset(), 81);
  EXPECT_EQ(view.max_timestamp(), 1'900'000'000'000);
  auto plain = decompress(view.compression(), view.records_payload(), 1 << 20);
  ASSERT_TRUE(plain.ok());
  Status status;
  expect_sample_records(read_records(*plain, view.record_count(), &status));
  EXPECT_TRUE(status.ok());
}

TEST(RecordBatch, BuilderKeepsCompactionGapsAndTheOriginalRange) {
  RecordBatchBuilder b;
  b.base_offset(1000).base_timestamp(500).last_offset_delta(9);
  b.add_at(2, "a", "1", 510).add_at(7, "b", std::nullopt, 505);
  auto bytes = *b.build();
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_EQ(view.record_count(), 2);
  EXPECT_EQ(view.last_offset(), 1009);
  EXPECT_EQ(view.base_timestamp(), 500);
  EXPECT_EQ(view.max_timestamp(), 510);
  EXPECT_EQ(view.validate().code(), Errc::kInvalidValue) << "a producer may not send gaps";
  EXPECT_TRUE(view.validate({.require_consecutive_offsets = false}).ok());
  std::vector<std::pair<int32_t, int64_t>> seen;
  Status walked = for_each_record(view.records_payload(), view.record_count(), [&](const RecordView& r) {
    seen.emplace_back(r.offset_delta, r.timestamp_delta);
  });
  EXPECT_TRUE(walked.ok());
  EXPECT_EQ(seen, (std::vector<std::pair<int32_t, int64_t>>{{2, 10}, {7, 5}}));
}

TEST(RecordBatch, InPlaceEditsKeepTheBatchValid) {
  auto bytes = sample_batch();
  set_base_offset(bytes, 5'000'000'000LL);
  set_partition_leader_epoch(bytes, 9);
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_EQ(view.base_offset(), 5'000'000'000LL);
  EXPECT_EQ(view.partition_leader_epoch(), 9);
  EXPECT_TRUE(view.validate().ok()) << "offset and epoch lie outside the CRC";

  set_max_timestamp(bytes, TimestampType::kLogAppendTime, 1'800'000'000'000);
  view = *RecordBatchView::parse(bytes);
  EXPECT_EQ(view.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(view.max_timestamp(), 1'800'000'000'000);
  EXPECT_TRUE(view.validate().ok());
  set_max_timestamp(bytes, TimestampType::kCreateTime, 1);
  EXPECT_EQ(RecordBatchView::parse(bytes)->timestamp_type(), TimestampType::kCreateTime);
  EXPECT_TRUE(RecordBatchView::parse(bytes)->validate().ok());
}

TEST(RecordBatch, OffsetsNearTheLimitWrapInsteadOfOverflowing) {
  auto bytes = sample_batch();
  set_base_offset(bytes, std::numeric_limits<int64_t>::max() - 1);
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_EQ(view.last_offset(), std::numeric_limits<int64_t>::min() + 2);
  EXPECT_EQ(view.next_offset(), std::numeric_limits<int64_t>::min() + 3);
}

TEST(RecordBatch, EmptyBatchIsValid) {
  auto bytes = *RecordBatchBuilder().build();
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_EQ(view.size_bytes(), kRecordBatchHeaderSize);
  EXPECT_EQ(view.record_count(), 0);
  EXPECT_TRUE(view.validate().ok());
}

TEST(RecordIterator, TrailingBytesAfterTheLastRecordAreRefused) {
  auto bytes = sample_batch();
  auto view = *RecordBatchView::parse(bytes);
  std::vector<uint8_t> payload(view.records_payload().begin(), view.records_payload().end());
  payload.push_back(0);
  EXPECT_EQ(validate_records(payload, 5, 4, true).code(), Errc::kTrailingBytes);
}

}  // namespace
}  // namespace runnel
