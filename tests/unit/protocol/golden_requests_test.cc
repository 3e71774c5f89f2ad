// Every golden request (and response) real clients exchanged decodes with
// the generated runnel::kafka messages: header by the header version the
// API table gives, body with nothing left over, and the fields each client is
// known to send (testdata/golden/README.md) come out as sent.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "protocol/compression.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/kafka/generated/api_table.h"
#include "protocol/kafka/generated/api_versions.h"
#include "protocol/kafka/generated/fetch.h"
#include "protocol/kafka/generated/headers.h"
#include "protocol/kafka/generated/list_offsets.h"
#include "protocol/kafka/generated/metadata.h"
#include "protocol/kafka/generated/produce.h"

namespace runnel {
namespace {

using Bytes = std::vector<uint8_t>;
using Row = std::map<std::string, std::string>;

const std::string kGoldenDir = std::string(RUNNEL_TEST_DATA_DIR) + "/golden/";

Bytes read_golden(const std::string& name) {
  std::ifstream in(kGoldenDir + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<Row> read_manifest() {
  std::ifstream in(kGoldenDir + "manifest.tsv");
  EXPECT_TRUE(in.good());
  std::vector<Row> rows;
  std::vector<std::string> columns;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) cells.push_back(cell);
    if (columns.empty()) {
      columns = cells;
      continue;
    }
    Row row;
    for (size_t i = 0; i < columns.size(); ++i) row[columns[i]] = i < cells.size() ? cells[i] : "";
    rows.push_back(row);
  }
  return rows;
}

// Decodes a whole body and insists nothing is left: a decoder that stops
// early on a real client's bytes is as wrong as one that fails.
template <typename Message>
Message decode_all(ByteReader& r, int16_t version) {
  Message m;
  m.decode(r, version);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r.remaining(), 0u) << "bytes after the body";
  return m;
}

bool is_librdkafka(const Row& row) { return row.at("client") != "kafka-python"; }

void check_produce(const Row& row, const kafka::ProduceRequest& p) {
  EXPECT_FALSE(p.transactional_id.has_value());
  EXPECT_EQ(p.acks, -1);
  EXPECT_EQ(p.timeout_ms, 30000);
  ASSERT_EQ(p.topic_data.size(), 1u);
  EXPECT_EQ(p.topic_data[0].name, row.at("topic"));
  ASSERT_EQ(p.topic_data[0].partition_data.size(), 1u);
  const auto& partition = p.topic_data[0].partition_data[0];
  EXPECT_EQ(partition.index, 0);
  ASSERT_TRUE(partition.records.has_value());
  // One v2 batch of ten records, keys k0..k9 and values value-0..value-9
  // (testdata/golden/README.md), read through the production batch view.
  RecordBatchIterator batches(partition.records->bytes);
  auto batch = batches.next();
  ASSERT_TRUE(batch.has_value()) << batches.status().to_string();
  EXPECT_FALSE(batches.next().has_value()) << "one batch per request";
  EXPECT_TRUE(batches.status().ok());
  ASSERT_TRUE(batch->validate().ok()) << batch->validate().to_string();
  EXPECT_EQ(compression_name(batch->compression()), row.at("codec"));
  EXPECT_EQ(batch->record_count(), 10);
  EXPECT_EQ(batch->last_offset_delta(), 9);
  EXPECT_EQ(batch->timestamp_type(), TimestampType::kCreateTime);
  std::vector<uint8_t> plain;
  std::span<const uint8_t> payload = batch->records_payload();
  if (batch->compression() != CompressionType::kNone) {
    auto out = decompress(batch->compression(), payload, 1 << 20);
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    plain = std::move(*out);
    payload = plain;
  }
  ASSERT_TRUE(validate_records(payload, batch->record_count(), batch->last_offset_delta(), true).ok());
  RecordIterator records(payload, batch->record_count());
  RecordView record;
  int i = 0;
  while (records.next(&record)) {
    std::string key = "k";
    key += std::to_string(i);
    std::string value = "value-";
    value += std::to_string(i);
    EXPECT_EQ(record.offset_delta, i);
    EXPECT_EQ(record.key, key);
    EXPECT_EQ(record.value, value);
    EXPECT_EQ(record.header_count, 0);
    ++i;
  }
  EXPECT_TRUE(records.status().ok()) << records.status().to_string();
  EXPECT_EQ(i, 10);
}

void check_fetch(const Row& row, int16_t version, const kafka::FetchRequest& f) {
  EXPECT_EQ(f.replica_id, -1);
  EXPECT_EQ(f.max_wait_ms, 500);
  EXPECT_EQ(f.min_bytes, 1);
  EXPECT_EQ(f.max_bytes, 52428800);
  // librdkafka defaults to read_committed; kafka-python to read_uncommitted.
  EXPECT_EQ(f.isolation_level, is_librdkafka(row) ? 1 : 0);
  if (version >= 7) {
    EXPECT_EQ(f.session_id, 0);
    EXPECT_EQ(f.session_epoch, -1);
    EXPECT_TRUE(f.forgotten_topics_data.empty());
  }
  if (version >= 11) {
    EXPECT_EQ(f.rack_id, "");
  }
  ASSERT_EQ(f.topics.size(), 1u);
  EXPECT_EQ(f.topics[0].topic, row.at("topic"));
  ASSERT_EQ(f.topics[0].partitions.size(), 1u);
  const auto& p = f.topics[0].partitions[0];
  EXPECT_EQ(p.partition, 0);
  EXPECT_EQ(p.fetch_offset, 0);
  EXPECT_EQ(p.partition_max_bytes, 1048576);
  if (version >= 5) {
    EXPECT_EQ(p.log_start_offset, -1);
  }
  if (version >= 9) {
    EXPECT_EQ(p.current_leader_epoch, -1);
  }
}

void check_list_offsets(const Row& row, const kafka::ListOffsetsRequest& l) {
  EXPECT_EQ(l.replica_id, -1);
  ASSERT_EQ(l.topics.size(), 1u);
  EXPECT_EQ(l.topics[0].name, row.at("topic"));
  ASSERT_EQ(l.topics[0].partitions.size(), 1u);
  EXPECT_EQ(l.topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(l.topics[0].partitions[0].timestamp, -2);  // earliest
}

void check_metadata(const Row& row, int16_t version, const kafka::MetadataRequest& m) {
  ASSERT_TRUE(m.topics.has_value());
  if (row.at("file") == "kafka_python_metadata_v0.bin") {
    // v0 has no null: kafka-python's all-topics probe is an empty list.
    EXPECT_TRUE(m.topics->empty());
    return;
  }
  ASSERT_EQ(m.topics->size(), 1u);
  EXPECT_EQ((*m.topics)[0].name, row.at("topic"));
}

void check_api_versions(const Row& row, int16_t version, const kafka::ApiVersionsRequest& a) {
  if (version < 3) return;  // v0-v2 bodies are empty
  if (row.at("client") == "kcat") {
    EXPECT_EQ(a.client_software_name, "librdkafka");
    EXPECT_EQ(a.client_software_version, "2.0.2");
  } else {
    EXPECT_EQ(a.client_software_name, "confluent-kafka-python");
    EXPECT_EQ(a.client_software_version, "1.7.0-rdkafka-2.0.2");
  }
}

TEST(GoldenRequests, EveryRequestDecodesWithTheGeneratedMessages) {
  auto rows = read_manifest();
  ASSERT_GE(rows.size(), 23u);
  for (const Row& row : rows) {
    SCOPED_TRACE(row.at("file"));
    Bytes frame = read_golden(row.at("file"));
    ByteReader r(frame);
    // The header version depends on the request's key and version, which
    // sit at the same place in every header version.
    ASSERT_GE(frame.size(), 4u);
    auto key = static_cast<int16_t>((frame[0] << 8) | frame[1]);
    auto version = static_cast<int16_t>((frame[2] << 8) | frame[3]);
    int16_t header_version = kafka::request_header_version(key, version);
    ASSERT_GE(header_version, 1) << "every client sends a client id";
    kafka::RequestHeader header;
    header.decode(r, header_version);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(std::to_string(header.request_api_key), row.at("api_key"));
    EXPECT_EQ(std::to_string(header.request_api_version), row.at("api_version"));
    EXPECT_EQ(std::to_string(header.correlation_id), row.at("correlation_id"));
    EXPECT_EQ(header.client_id, row.at("client_id"));
    EXPECT_TRUE(header.unknown_tagged_fields.empty());
    switch (key) {
      case kafka::ProduceRequest::kApiKey: check_produce(row, decode_all<kafka::ProduceRequest>(r, version)); break;
      case kafka::FetchRequest::kApiKey: check_fetch(row, version, decode_all<kafka::FetchRequest>(r, version)); break;
      case kafka::ListOffsetsRequest::kApiKey:
        check_list_offsets(row, decode_all<kafka::ListOffsetsRequest>(r, version));
        break;
      case kafka::MetadataRequest::kApiKey:
        check_metadata(row, version, decode_all<kafka::MetadataRequest>(r, version));
        break;
      case kafka::ApiVersionsRequest::kApiKey:
        check_api_versions(row, version, decode_all<kafka::ApiVersionsRequest>(r, version));
        break;
      default: ADD_FAILURE() << "no check for api key " << key;
    }
  }
}

// The mock cluster's answers are real librdkafka encoder output too.
TEST(GoldenRequests, EveryResponseDecodesWithTheGeneratedMessages) {
  for (const Row& row : read_manifest()) {
    if (row.at("response").empty()) continue;
    SCOPED_TRACE(row.at("response"));
    Bytes frame = read_golden(row.at("response"));
    auto key = static_cast<int16_t>(std::stoi(row.at("api_key")));
    auto version = static_cast<int16_t>(std::stoi(row.at("api_version")));
    ByteReader r(frame);
    kafka::ResponseHeader header;
    header.decode(r, kafka::response_header_version(key, version));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::to_string(header.correlation_id), row.at("correlation_id"));
    switch (key) {
      case kafka::ProduceRequest::kApiKey: {
        auto p = decode_all<kafka::ProduceResponse>(r, version);
        ASSERT_EQ(p.responses.size(), 1u);
        ASSERT_EQ(p.responses[0].partition_responses.size(), 1u);
        EXPECT_EQ(p.responses[0].partition_responses[0].error_code, 0);
        EXPECT_EQ(p.responses[0].partition_responses[0].base_offset, 0);
        break;
      }
      case kafka::FetchRequest::kApiKey: {
        auto f = decode_all<kafka::FetchResponse>(r, version);
        ASSERT_EQ(f.responses.size(), 1u);
        ASSERT_EQ(f.responses[0].partitions.size(), 1u);
        EXPECT_EQ(f.responses[0].partitions[0].high_watermark, 10);
        ASSERT_TRUE(f.responses[0].partitions[0].records.has_value());
        EXPECT_GT(f.responses[0].partitions[0].records->bytes.size(), 61u);
        break;
      }
      case kafka::ListOffsetsRequest::kApiKey: decode_all<kafka::ListOffsetsResponse>(r, version); break;
      case kafka::MetadataRequest::kApiKey: {
        auto m = decode_all<kafka::MetadataResponse>(r, version);
        EXPECT_EQ(m.brokers.size(), 1u);
        break;
      }
      case kafka::ApiVersionsRequest::kApiKey: {
        if (version >= 3) {
          // The mock speaks ApiVersions up to v2 and answers v3 with
          // UNSUPPORTED_VERSION (35). Its body after the error code is not a
          // valid layout of any version (a one-byte count 01, one entry
          // 18/0/2 without tagged fields, a four-byte throttle time), and
          // librdkafka reads only the error code before retrying at v0; so
          // that is all a broker-side test can rely on here.
          EXPECT_EQ(r.read_i16(), 35);
          break;
        }
        auto a = decode_all<kafka::ApiVersionsResponse>(r, version);
        EXPECT_EQ(a.error_code, 0);
        EXPECT_GE(a.api_keys.size(), 10u);
        break;
      }
      default: ADD_FAILURE() << "no check for api key " << key;
    }
  }
}

}  // namespace
}  // namespace runnel
