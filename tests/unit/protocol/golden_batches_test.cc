// Record batches inside the golden Produce requests (and Fetch responses) that
// real clients sent: each batch's CRC holds, it decompresses with our codecs,
// and its records are exactly the ones testdata/golden/README.md documents.
//
// The frames are walked by a small hand-written scan of the few message
// versions the clients used (Produce v7, Fetch v4/v11 responses) with a
// bit-at-a-time reference CRC, independent of the production code on purpose:
// golden_requests_test.cc checks the same frames through the generated
// decoders, RecordBatchView and RecordIterator, so each side checks the other.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "protocol/compression.h"

namespace runnel {
namespace {

using Bytes = std::vector<uint8_t>;

const std::string kGoldenDir = std::string(RUNNEL_TEST_DATA_DIR) + "/golden/";

Bytes read_golden(const std::string& name) {
  std::ifstream in(kGoldenDir + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// manifest.tsv, written by tools/golden-capture/capture.py: one row per golden request.
std::vector<std::map<std::string, std::string>> read_manifest() {
  std::ifstream in(kGoldenDir + "manifest.tsv");
  EXPECT_TRUE(in.good());
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> columns;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) cells.push_back(cell);
    if (!line.empty() && line.back() == '\t') cells.emplace_back();
    if (columns.empty()) {
      columns = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < columns.size(); ++i) row[columns[i]] = i < cells.size() ? cells[i] : "";
    rows.push_back(row);
  }
  return rows;
}

// Castagnoli CRC, bit at a time: slow, but independent of whatever the
// production crc32c ends up being, which is the point of a golden check.
uint32_t crc32c_reference(std::span<const uint8_t> data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

struct GoldenRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int32_t header_count = 0;
  int32_t offset_delta = 0;
};

struct GoldenBatch {
  int64_t base_offset = 0;
  int8_t magic = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int32_t record_count = 0;
  std::vector<GoldenRecord> records;
};

std::optional<std::string> read_varint_bytes(ByteReader& r) {
  int32_t length = r.read_varint();
  if (length < 0) return std::nullopt;
  return std::string(r.read_string_view(static_cast<size_t>(length)));
}

std::vector<GoldenRecord> parse_records(std::span<const uint8_t> bytes, int32_t count) {
  ByteReader r(bytes);
  std::vector<GoldenRecord> out;
  for (int32_t i = 0; i < count && r.ok(); ++i) {
    int32_t length = r.read_varint();
    ByteReader rec(r.read_bytes(static_cast<size_t>(std::max(length, 0))));
    GoldenRecord record;
    rec.read_i8();       // attributes: unused by v2 records
    rec.read_varlong();  // timestamp delta: differs per capture run
    record.offset_delta = rec.read_varint();
    record.key = read_varint_bytes(rec);
    record.value = read_varint_bytes(rec);
    record.header_count = rec.read_varint();
    for (int32_t h = 0; h < record.header_count && rec.ok(); ++h) {
      read_varint_bytes(rec);
      read_varint_bytes(rec);
    }
    EXPECT_TRUE(rec.ok()) << "record " << i << ": " << rec.status().to_string();
    EXPECT_EQ(rec.remaining(), 0u) << "record " << i << " has trailing bytes";
    out.push_back(record);
  }
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r.remaining(), 0u) << "bytes after the last record";
  return out;
}

// Every batch in a records field (a Produce or Fetch "records" bytes value).
std::vector<GoldenBatch> parse_batches(std::span<const uint8_t> records) {
  constexpr size_t kHeaderAfterLength = 49;  // partition leader epoch .. record count
  ByteReader r(records);
  std::vector<GoldenBatch> out;
  while (r.remaining() > 0) {
    GoldenBatch batch;
    batch.base_offset = r.read_i64();
    int32_t batch_length = r.read_i32();
    std::span<const uint8_t> body = r.read_bytes(static_cast<size_t>(std::max(batch_length, 0)));
    EXPECT_TRUE(r.ok()) << "batch length runs past the records field";
    if (!r.ok() || body.size() < kHeaderAfterLength) break;
    ByteReader b(body);
    b.read_i32();  // partition leader epoch
    batch.magic = b.read_i8();
    uint32_t crc = b.read_u32();
    EXPECT_EQ(crc, crc32c_reference(body.subspan(9))) << "batch CRC";
    batch.attributes = b.read_i16();
    batch.last_offset_delta = b.read_i32();
    b.read_i64();  // base timestamp
    b.read_i64();  // max timestamp
    b.read_i64();  // producer id
    b.read_i16();  // producer epoch
    b.read_i32();  // base sequence
    batch.record_count = b.read_i32();
    std::span<const uint8_t> payload = b.read_bytes(b.remaining());
    auto codec = static_cast<CompressionType>(batch.attributes & 0x7);
    auto plain = decompress(codec, payload, 1 << 20);
    EXPECT_TRUE(plain.ok()) << compression_name(codec) << ": " << plain.status().to_string();
    if (plain.ok()) batch.records = parse_records(*plain, batch.record_count);
    out.push_back(batch);
  }
  return out;
}

struct ProduceFrame {
  int16_t api_key = -1;
  int16_t api_version = -1;
  int32_t correlation_id = 0;
  std::string client_id;
  bool has_transactional_id = false;
  int16_t acks = 0;
  int32_t timeout_ms = 0;
  std::string topic;
  int32_t partition = -1;
  std::span<const uint8_t> records;
};

std::string read_string(ByteReader& r) { return std::string(r.read_string_view(static_cast<size_t>(r.read_i16()))); }

// Produce v3..v8 (the non-flexible versions carrying v2 batches), one topic
// and one partition, which is what every golden Produce holds.
ProduceFrame scan_produce(std::span<const uint8_t> frame) {
  ByteReader r(frame);
  ProduceFrame p;
  p.api_key = r.read_i16();
  p.api_version = r.read_i16();
  p.correlation_id = r.read_i32();
  p.client_id = read_string(r);
  int16_t transactional_id_length = r.read_i16();
  p.has_transactional_id = transactional_id_length >= 0;
  if (p.has_transactional_id) r.skip(static_cast<size_t>(transactional_id_length));
  p.acks = r.read_i16();
  p.timeout_ms = r.read_i32();
  EXPECT_EQ(r.read_i32(), 1) << "topic count";
  p.topic = read_string(r);
  EXPECT_EQ(r.read_i32(), 1) << "partition count";
  p.partition = r.read_i32();
  p.records = r.read_bytes(static_cast<size_t>(r.read_i32()));
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r.remaining(), 0u) << "bytes after the produce body";
  return p;
}

// The records field of a one-topic, one-partition Fetch response, v4..v11.
std::span<const uint8_t> scan_fetch_response_records(std::span<const uint8_t> frame, int16_t version,
                                                     const std::string& topic) {
  ByteReader r(frame);
  r.read_i32();  // correlation id
  r.read_i32();  // throttle time
  if (version >= 7) {
    EXPECT_EQ(r.read_i16(), 0) << "top-level error code";
    r.read_i32();  // session id
  }
  EXPECT_EQ(r.read_i32(), 1) << "topic count";
  EXPECT_EQ(read_string(r), topic);
  EXPECT_EQ(r.read_i32(), 1) << "partition count";
  EXPECT_EQ(r.read_i32(), 0) << "partition index";
  EXPECT_EQ(r.read_i16(), 0) << "partition error code";
  EXPECT_EQ(r.read_i64(), 10) << "high watermark: ten records were produced";
  r.read_i64();  // last stable offset
  if (version >= 5) r.read_i64();  // log start offset
  int32_t aborted = r.read_i32();
  if (aborted > 0) r.skip(static_cast<size_t>(aborted) * 16);
  if (version >= 11) r.read_i32();  // preferred read replica
  std::span<const uint8_t> records = r.read_bytes(static_cast<size_t>(r.read_i32()));
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r.remaining(), 0u);
  return records;
}

// README.md: ten records, key kN -> value value-N, no headers.
void expect_golden_records(const std::vector<GoldenBatch>& batches, const std::string& where) {
  std::vector<GoldenRecord> all;
  for (const auto& batch : batches) {
    EXPECT_EQ(batch.magic, 2) << where;
    EXPECT_EQ(batch.record_count, static_cast<int32_t>(batch.records.size())) << where;
    EXPECT_EQ(batch.last_offset_delta, batch.record_count - 1) << where;
    all.insert(all.end(), batch.records.begin(), batch.records.end());
  }
  ASSERT_EQ(all.size(), 10u) << where;
  for (size_t i = 0; i < all.size(); ++i) {
    // Appended rather than `"k" + std::to_string(i)`, which trips g++ 12's
    // false -Wrestrict positive at -O3.
    std::string key = "k", value = "value-";
    key += std::to_string(i);
    value += std::to_string(i);
    EXPECT_EQ(all[i].key, key) << where;
    EXPECT_EQ(all[i].value, value) << where;
    EXPECT_EQ(all[i].header_count, 0) << where;
  }
}

const std::set<std::string> kExpectedProduceFiles = {
    "kcat_produce_v7_none.bin",         "kcat_produce_v7_gzip.bin",         "kcat_produce_v7_snappy.bin",
    "kcat_produce_v7_lz4.bin",          "kcat_produce_v7_zstd.bin",         "kafka_python_produce_v7_none.bin",
    "kafka_python_produce_v7_gzip.bin", "confluent_produce_v7_none.bin",
};

// Request header v1 (and v2's leading fields, which are the same) against
// the manifest, and each response's correlation id against its request's:
// a mislabelled or mismatched golden would make every later test lie.
TEST(GoldenBatches, EveryGoldenFrameMatchesItsManifestRow) {
  auto rows = read_manifest();
  ASSERT_GE(rows.size(), 20u);
  for (const auto& row : rows) {
    SCOPED_TRACE(row.at("file"));
    Bytes frame = read_golden(row.at("file"));
    ByteReader r(frame);
    EXPECT_EQ(std::to_string(r.read_i16()), row.at("api_key"));
    EXPECT_EQ(std::to_string(r.read_i16()), row.at("api_version"));
    int32_t correlation_id = r.read_i32();
    EXPECT_EQ(std::to_string(correlation_id), row.at("correlation_id"));
    EXPECT_EQ(read_string(r), row.at("client_id"));
    EXPECT_TRUE(r.ok());
    std::string expected_prefix = row.at("client") == "kafka-python" ? "kafka_python_" : row.at("client") + "_";
    EXPECT_EQ(row.at("file").rfind(expected_prefix, 0), 0u);
    if (row.at("response").empty()) continue;
    Bytes response = read_golden(row.at("response"));
    ByteReader rr(response);
    EXPECT_EQ(rr.read_i32(), correlation_id) << row.at("response");
  }
}

TEST(GoldenBatches, ManifestListsEveryExpectedProduce) {
  std::set<std::string> produce_files;
  for (const auto& row : read_manifest()) {
    if (row.at("api_key") == "0") produce_files.insert(row.at("file"));
  }
  EXPECT_EQ(produce_files, kExpectedProduceFiles);
}

TEST(GoldenBatches, EveryProduceCarriesTheDocumentedRecords) {
  int checked = 0;
  for (const auto& row : read_manifest()) {
    if (row.at("api_key") != "0") continue;
    const std::string& file = row.at("file");
    SCOPED_TRACE(file);
    Bytes frame = read_golden(file);
    ProduceFrame p = scan_produce(frame);
    EXPECT_EQ(p.api_key, 0);
    EXPECT_EQ(std::to_string(p.api_version), row.at("api_version"));
    EXPECT_EQ(std::to_string(p.correlation_id), row.at("correlation_id"));
    EXPECT_EQ(p.client_id, row.at("client_id"));
    EXPECT_FALSE(p.has_transactional_id);
    EXPECT_EQ(p.acks, -1);  // acks=all: librdkafka's default, set explicitly for the Python clients
    EXPECT_EQ(p.timeout_ms, 30000);
    EXPECT_EQ(p.topic, row.at("topic"));
    EXPECT_EQ(p.partition, 0);

    std::vector<GoldenBatch> batches = parse_batches(p.records);
    ASSERT_FALSE(batches.empty());
    for (const auto& batch : batches) {
      EXPECT_EQ(compression_name(static_cast<CompressionType>(batch.attributes & 0x7)), row.at("codec"));
      EXPECT_EQ(batch.base_offset, 0);  // producers number from zero; the broker assigns offsets
    }
    expect_golden_records(batches, file);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(kExpectedProduceFiles.size()));
}

// librdkafka 2.0.2 writes snappy batches as one raw block, unlike the Java
// client's xerial framing (covered in compression_test). This pins that down,
// so a regenerated capture that switches framing is noticed rather than
// silently dropping raw-block coverage from real-client data.
TEST(GoldenBatches, KcatSnappyBatchFramingIsKnown) {
  Bytes frame = read_golden("kcat_produce_v7_snappy.bin");
  ProduceFrame p = scan_produce(frame);
  constexpr size_t kRecordsOffset = 61;  // batch header bytes before the compressed records
  ASSERT_GT(p.records.size(), kRecordsOffset + 8);
  const uint8_t xerial[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
  bool is_xerial = std::equal(xerial, xerial + 8, p.records.begin() + kRecordsOffset);
  EXPECT_FALSE(is_xerial);
  auto plain = decompress(CompressionType::kSnappy, p.records.subspan(kRecordsOffset), 1 << 20);
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
}

TEST(GoldenBatches, EveryFetchResponseReturnsTheProducedBatch) {
  int checked = 0;
  for (const auto& row : read_manifest()) {
    if (row.at("api_key") != "1" || row.at("response").empty()) continue;
    SCOPED_TRACE(row.at("response"));
    Bytes frame = read_golden(row.at("response"));
    auto version = static_cast<int16_t>(std::stoi(row.at("api_version")));
    std::span<const uint8_t> records = scan_fetch_response_records(frame, version, row.at("topic"));
    std::vector<GoldenBatch> batches = parse_batches(records);
    expect_golden_records(batches, row.at("response"));
    ++checked;
  }
  EXPECT_EQ(checked, 3);  // kcat, kafka-python, confluent
}

}  // namespace
}  // namespace runnel
