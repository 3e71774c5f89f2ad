#include "base/byte_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/byte_writer.h"

namespace runnel {
namespace {

TEST(ByteReader, ReadsBigEndianFixedWidth) {
  const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xff};
  ByteReader r(bytes, sizeof bytes);
  EXPECT_EQ(r.read_i16(), 0x0102);
  EXPECT_EQ(r.read_i32(), 0x03040506);
  EXPECT_EQ(r.read_i8(), -1);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReader, FailureIsStickyAndStopsTheCursor) {
  const uint8_t bytes[] = {0x00, 0x01, 0x02};
  ByteReader r(bytes, sizeof bytes);
  EXPECT_EQ(r.read_i32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kTruncated);
  EXPECT_EQ(r.read_i8(), 0);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReader, VarintPastItsWidthIsOverflow) {
  const uint8_t bytes[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  ByteReader r(bytes, sizeof bytes);
  r.read_uvarint();
  EXPECT_EQ(r.status().code(), Errc::kVarintOverflow);
}

TEST(ByteReader, VarintCutShortIsTruncated) {
  const uint8_t bytes[] = {0x80, 0x80};
  ByteReader r(bytes, sizeof bytes);
  r.read_uvarint();
  EXPECT_EQ(r.status().code(), Errc::kTruncated);
}

TEST(ByteWriter, RoundTripsEveryPrimitive) {
  std::vector<uint8_t> buf;
  ByteWriter w(&buf);
  w.write_i8(-3);
  w.write_i16(-300);
  w.write_i32(-70000);
  w.write_i64(-5000000000LL);
  w.write_u16(65000);
  w.write_f64(3.25);
  w.write_bool(true);
  w.write_uvarint(300);
  w.write_varint(-1);
  w.write_varlong(-5000000000LL);
  Uuid id;
  id.bytes[15] = 7;
  w.write_uuid(id);

  ByteReader r(buf.data(), buf.size());
  EXPECT_EQ(r.read_i8(), -3);
  EXPECT_EQ(r.read_i16(), -300);
  EXPECT_EQ(r.read_i32(), -70000);
  EXPECT_EQ(r.read_i64(), -5000000000LL);
  EXPECT_EQ(r.read_u16(), 65000);
  EXPECT_EQ(r.read_f64(), 3.25);
  EXPECT_TRUE(r.read_bool());
  EXPECT_EQ(r.read_uvarint(), 300u);
  EXPECT_EQ(r.read_varint(), -1);
  EXPECT_EQ(r.read_varlong(), -5000000000LL);
  EXPECT_EQ(r.read_uuid(), id);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Varint, ZigzagMatchesKafka) {
  EXPECT_EQ(zigzag_encode32(0), 0u);
  EXPECT_EQ(zigzag_encode32(-1), 1u);
  EXPECT_EQ(zigzag_encode32(1), 2u);
  EXPECT_EQ(zigzag_encode32(INT32_MIN), 0xffffffffu);
  EXPECT_EQ(zigzag_decode64(zigzag_encode64(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(varint_size(-1), 1u);
  EXPECT_EQ(varlong_size(INT64_MAX), 10u);
}

TEST(Uuid, PrintsAsKafkaBase64) {
  Uuid id;
  EXPECT_EQ(to_base64(id), "AAAAAAAAAAAAAAAAAAAAAA");
}

}  // namespace
}  // namespace runnel
