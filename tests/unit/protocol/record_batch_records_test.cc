// Record-level validation: hand-written record bytes (each test breaks one
// field) wrapped in a batch whose header and CRC are correct, so the verdict
// comes from the record walk and not from the checksum.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/big_endian.h"
#include "base/byte_writer.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"

namespace runnel {
namespace {

using Bytes = std::vector<uint8_t>;

// Writes one record body field by field; every length is explicit so a test
// can make any of them lie.
class RawRecord {
 public:
  RawRecord& attributes(int8_t a) { return i8(a); }
  RawRecord& i8(int8_t v) {
    w().write_i8(v);
    return *this;
  }
  RawRecord& varint(int32_t v) {
    w().write_varint(v);
    return *this;
  }
  RawRecord& varlong(int64_t v) {
    w().write_varlong(v);
    return *this;
  }
  RawRecord& raw(std::initializer_list<uint8_t> bytes) {
    for (uint8_t b : bytes) w().write_u8(b);
    return *this;
  }
  // A varint length followed by that many bytes (or none for -1).
  RawRecord& sized(std::string_view s) {
    w().write_varint(static_cast<int32_t>(s.size()));
    w().write_string(s);
    return *this;
  }
  RawRecord& null() { return varint(-1); }

  // The record with its length prefix, `length_lie` added to the true length.
  Bytes framed(int32_t length_lie = 0) const {
    Bytes out;
    ByteWriter w(&out);
    w.write_varint(static_cast<int32_t>(body_.size()) + length_lie);
    w.write_bytes(body_);
    return out;
  }

 private:
  // A fresh writer per call: a stored one would point at a moved-from copy's bytes.
  ByteWriter w() { return ByteWriter(&body_); }

  Bytes body_;
};

// A well-formed record at `offset_delta` with key "k", value "v" and one header.
RawRecord good_record(int32_t offset_delta) {
  RawRecord r;
  r.attributes(0).varlong(0).varint(offset_delta).sized("k").sized("v").varint(1).sized("hk").sized("hv");
  return r;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// An uncompressed batch around `payload` with the given count and last offset
// delta, lengths and CRC correct.
Bytes wrap(const Bytes& payload, int32_t count, int32_t last_offset_delta) {
  Bytes bytes = *RecordBatchBuilder().build();
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  store_u32(&bytes[batch_field::kBatchLength], static_cast<uint32_t>(bytes.size() - kRecordBatchLogOverhead));
  store_u32(&bytes[batch_field::kRecordCount], static_cast<uint32_t>(count));
  store_u32(&bytes[batch_field::kLastOffsetDelta], static_cast<uint32_t>(last_offset_delta));
  rewrite_crc(bytes);
  return bytes;
}

Status validate_wrapped(const Bytes& payload, int32_t count, int32_t last_offset_delta,
                        bool consecutive = true) {
  Bytes bytes = wrap(payload, count, last_offset_delta);
  auto view = RecordBatchView::parse(bytes);
  EXPECT_TRUE(view.ok()) << view.status().to_string();
  if (!view.ok()) return view.status();
  EXPECT_TRUE(view->crc_matches());
  BatchValidation rules;
  rules.require_consecutive_offsets = consecutive;
  return view->validate(rules);
}

TEST(RecordValidation, HandWrittenRecordsAreAccepted) {
  Bytes payload = concat({good_record(0).framed(), good_record(1).framed()});
  EXPECT_TRUE(validate_wrapped(payload, 2, 1).ok());

  Bytes bytes = wrap(payload, 2, 1);
  std::vector<RecordView> seen;
  Status walked = for_each_record(RecordBatchView::parse(bytes)->records_payload(), 2,
                                  [&](const RecordView& r) { seen.push_back(r); });
  ASSERT_TRUE(walked.ok()) << walked.to_string();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].offset_delta, 1);
  EXPECT_EQ(seen[1].key, "k");
  EXPECT_EQ(seen[1].value, "v");
  auto headers = decode_headers(seen[1]);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].key, "hk");
  EXPECT_EQ(headers[0].value, "hv");
}

TEST(RecordValidation, ForEachRecordStopsWhenTheCallbackSaysSo) {
  Bytes payload = concat({good_record(0).framed(), good_record(1).framed(), good_record(2).framed()});
  int calls = 0;
  Status s = for_each_record(payload, 3, [&](const RecordView&) { return ++calls < 2; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 2);
}

TEST(RecordValidation, NullKeyAndValueAreAllowedButNotANullHeaderKey) {
  RawRecord nulls;
  nulls.attributes(0).varlong(0).varint(0).null().null().varint(1).sized("h").null();
  EXPECT_TRUE(validate_wrapped(nulls.framed(), 1, 0).ok());

  RawRecord null_header_key;
  null_header_key.attributes(0).varlong(0).varint(0).null().null().varint(1).null().sized("v");
  EXPECT_EQ(validate_wrapped(null_header_key.framed(), 1, 0).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, LengthsBelowMinusOneAreInvalid) {
  RawRecord key;
  key.attributes(0).varlong(0).varint(0).varint(-2).sized("v").varint(0);
  EXPECT_EQ(validate_wrapped(key.framed(), 1, 0).code(), Errc::kInvalidValue);
  RawRecord value;
  value.attributes(0).varlong(0).varint(0).sized("k").varint(-7).varint(0);
  EXPECT_EQ(validate_wrapped(value.framed(), 1, 0).code(), Errc::kInvalidValue);
  RawRecord header_value;
  header_value.attributes(0).varlong(0).varint(0).sized("k").sized("v").varint(1).sized("h").varint(-2);
  EXPECT_EQ(validate_wrapped(header_value.framed(), 1, 0).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, AFieldLongerThanItsRecordIsInvalid) {
  // The value claims 50 bytes inside a record that holds far fewer; the
  // following record's bytes must not be read as part of it.
  RawRecord value;
  value.attributes(0).varlong(0).varint(0).sized("k").varint(50).raw({'v'}).varint(0);
  Bytes payload =
      concat({value.framed(), good_record(1).framed(), good_record(2).framed(), good_record(3).framed()});
  EXPECT_EQ(validate_wrapped(payload, 4, 3).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, RecordLengthMustMatchItsFields) {
  for (int32_t lie : {-1, 1, 2, 1000}) {
    SCOPED_TRACE(lie);
    Bytes payload = concat({good_record(0).framed(lie), good_record(1).framed()});
    EXPECT_EQ(validate_wrapped(payload, 2, 1).code(), Errc::kInvalidValue);
  }
  // A record that ends before its header count.
  RawRecord short_record;
  short_record.attributes(0).varlong(0).varint(0).sized("k").sized("v");
  EXPECT_EQ(validate_wrapped(short_record.framed(), 1, 0).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, HeaderCountMustMatchTheHeaders) {
  RawRecord negative;
  negative.attributes(0).varlong(0).varint(0).sized("k").sized("v").varint(-1);
  EXPECT_EQ(validate_wrapped(negative.framed(), 1, 0).code(), Errc::kInvalidValue);
  RawRecord too_many;
  too_many.attributes(0).varlong(0).varint(0).sized("k").sized("v").varint(2).sized("h").sized("v");
  EXPECT_EQ(validate_wrapped(too_many.framed(), 1, 0).code(), Errc::kInvalidValue);
  RawRecord too_few;
  too_few.attributes(0).varlong(0).varint(0).sized("k").sized("v").varint(1).sized("h").sized("v").sized("x");
  EXPECT_EQ(validate_wrapped(too_few.framed(), 1, 0).code(), Errc::kInvalidValue);
  RawRecord huge;
  huge.attributes(0).varlong(0).varint(0).sized("k").sized("v").varint(0x7fffffff).sized("h").sized("v");
  EXPECT_EQ(validate_wrapped(huge.framed(), 1, 0).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, OverlongVarintsAreRefused) {
  // Timestamp delta: eleven continuation bytes, more than a varlong may take.
  RawRecord ts;
  ts.attributes(0)
      .raw({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
      .varint(0)
      .null()
      .null()
      .varint(0);
  EXPECT_EQ(validate_wrapped(ts.framed(), 1, 0).code(), Errc::kVarintOverflow);
  // Offset delta: six bytes, more than a varint may take.
  RawRecord offset;
  offset.attributes(0).varlong(0).raw({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}).null().null().varint(0);
  EXPECT_EQ(validate_wrapped(offset.framed(), 1, 0).code(), Errc::kVarintOverflow);
  // The record length prefix itself.
  Bytes payload = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(validate_wrapped(payload, 1, 0).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, OffsetDeltasMustIncreaseAndStayWithinTheBatch) {
  Bytes repeated = concat({good_record(0).framed(), good_record(0).framed()});
  EXPECT_EQ(validate_wrapped(repeated, 2, 1).code(), Errc::kInvalidValue);
  EXPECT_EQ(validate_wrapped(repeated, 2, 1, false).code(), Errc::kInvalidValue);

  Bytes backwards = concat({good_record(1).framed(), good_record(0).framed()});
  EXPECT_EQ(validate_wrapped(backwards, 2, 1, false).code(), Errc::kInvalidValue);

  // A gap is how compaction leaves a batch: fine when stored, not from a producer.
  Bytes gap = concat({good_record(0).framed(), good_record(5).framed()});
  EXPECT_EQ(validate_wrapped(gap, 2, 5).code(), Errc::kInvalidValue);
  EXPECT_TRUE(validate_wrapped(gap, 2, 5, false).ok());
  EXPECT_TRUE(validate_wrapped(gap, 2, 9, false).ok()) << "the batch may end past its last record";
  // ... but no record may lie beyond the batch's last offset.
  EXPECT_EQ(validate_wrapped(gap, 2, 4, false).code(), Errc::kInvalidValue);

  Bytes first_not_zero = concat({good_record(1).framed()});
  EXPECT_EQ(validate_wrapped(first_not_zero, 1, 1).code(), Errc::kInvalidValue);
  EXPECT_TRUE(validate_wrapped(first_not_zero, 1, 1, false).ok());
  Bytes negative = concat({good_record(-1).framed()});
  EXPECT_EQ(validate_wrapped(negative, 1, 0, false).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, CountAndLastOffsetDeltaMustAgree) {
  Bytes two = concat({good_record(0).framed(), good_record(1).framed()});
  EXPECT_EQ(validate_wrapped(two, 2, 0).code(), Errc::kInvalidValue);
  EXPECT_EQ(validate_wrapped(two, 2, 0, false).code(), Errc::kInvalidValue);
  EXPECT_EQ(validate_wrapped(two, 2, -1, false).code(), Errc::kInvalidValue);
  EXPECT_EQ(validate_wrapped(two, 2, 2).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, MissingAndExtraRecordsAreRefused) {
  Bytes two = concat({good_record(0).framed(), good_record(1).framed()});
  EXPECT_EQ(validate_wrapped(two, 3, 2).code(), Errc::kInvalidValue);
  EXPECT_EQ(validate_wrapped(two, 1, 0).code(), Errc::kTrailingBytes);
  EXPECT_EQ(validate_wrapped(two, 0, 0).code(), Errc::kTrailingBytes);
  EXPECT_EQ(validate_wrapped(two, 0, 0, false).code(), Errc::kTrailingBytes);
  EXPECT_TRUE(validate_wrapped({}, 0, 0).ok());
  EXPECT_EQ(validate_wrapped({}, 1, 0).code(), Errc::kInvalidValue);
}

TEST(RecordValidation, CheckRecordsOffSkipsTheWalkButNotTheHeader) {
  Bytes garbage = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes bytes = wrap(garbage, 1, 0);
  auto view = *RecordBatchView::parse(bytes);
  EXPECT_FALSE(view.validate().ok());
  BatchValidation header_only;
  header_only.check_records = false;
  EXPECT_TRUE(view.validate(header_only).ok());
  bytes[batch_field::kCrc] ^= 1;
  EXPECT_EQ(RecordBatchView::parse(bytes)->validate(header_only).code(), Errc::kCorrupt);
}

TEST(RecordValidation, IteratorReportsTheFirstErrorAndStops) {
  RawRecord bad;
  bad.attributes(0).varlong(0).varint(1).varint(-3).null().varint(0);
  Bytes payload = concat({good_record(0).framed(), bad.framed(), good_record(2).framed()});
  RecordIterator it(payload, 3);
  RecordView r;
  ASSERT_TRUE(it.next(&r));
  EXPECT_FALSE(it.next(&r));
  EXPECT_EQ(it.status().code(), Errc::kInvalidValue);
  EXPECT_FALSE(it.next(&r)) << "errors are sticky";
}

}  // namespace
}  // namespace runnel
