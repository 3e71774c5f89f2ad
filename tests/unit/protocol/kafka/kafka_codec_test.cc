// Hand-written checks of the generated Kafka codec against known byte layouts and hostile input:
// the edges the randomised round trips cannot see (they only ever feed the codec its own output).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "protocol/kafka/generated/any_message.h"
#include "protocol/kafka/generated/api_table.h"
#include "protocol/kafka/generated/api_versions.h"
#include "protocol/kafka/generated/consumer_group_heartbeat.h"
#include "protocol/kafka/generated/controlled_shutdown.h"
#include "protocol/kafka/generated/fetch.h"
#include "protocol/kafka/generated/headers.h"
#include "protocol/kafka/generated/internal/offset_commit.h"
#include "protocol/kafka/generated/metadata.h"
#include "protocol/kafka/generated/produce.h"

namespace runnel::kafka {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes str(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

template <typename M>
Bytes encode(const M& m, int16_t version, Status* status = nullptr) {
  Bytes out;
  ByteWriter w(&out);
  m.encode(w, version);
  if (status != nullptr) *status = w.status();
  return out;
}

template <typename M>
Status decode(const Bytes& bytes, int16_t version, M* m) {
  ByteReader r(bytes);
  m->decode(r, version);
  if (r.ok() && r.remaining() != 0) return Status(Errc::kTrailingBytes, "left over");
  return r.status();
}

TEST(KafkaCodec, ApiVersionsV3RequestLayout) {
  // What librdkafka sends first: header v2 (classic client id, then tagged fields), then a body of
  // two compact strings and an empty tagged-field section.
  const Bytes frame = concat({{0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07},
                              str("rdkafka"),
                              {0x00, 0x0b},
                              str("librdkafka"),
                              {0x06},
                              str("2.3.0"),
                              {0x00}});
  ByteReader r(frame);
  RequestHeader header;
  ASSERT_TRUE(parse_request_header(r, &header).ok());
  EXPECT_EQ(header.request_api_key, 18);
  EXPECT_EQ(header.request_api_version, 3);
  EXPECT_EQ(header.correlation_id, 1);
  EXPECT_EQ(header.client_id, std::optional<std::string>("rdkafka"));

  ApiVersionsRequest req;
  req.decode(r, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(req.client_software_name, "librdkafka");
  EXPECT_EQ(req.client_software_version, "2.3.0");

  Bytes again = encode(header, 2);
  Bytes body = encode(req, 3);
  again.insert(again.end(), body.begin(), body.end());
  EXPECT_EQ(again, frame);
}

TEST(KafkaCodec, ApiVersionsV3ResponseLayout) {
  ApiVersionsResponse resp;
  resp.api_keys.push_back({0, 0, 11, {}});
  resp.api_keys.push_back({18, 0, 4, {}});
  resp.throttle_time_ms = 0x01020304;
  const Bytes expected = {
      0x00, 0x00,                                // error_code
      0x03,                                      // compact array: 2 entries
      0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00,  // Produce 0-11, no tags
      0x00, 0x12, 0x00, 0x00, 0x00, 0x04, 0x00,  // ApiVersions 0-4, no tags
      0x01, 0x02, 0x03, 0x04,                    // throttle_time_ms
      0x00,                                      // defaults are not written as tags
  };
  EXPECT_EQ(encode(resp, 3), expected);
  EXPECT_EQ(resp.encoded_size(3), expected.size());

  // A known tagged field (tag 3, ZkMigrationReady) goes out once it differs from its default.
  resp.zk_migration_ready = true;
  Bytes tagged = expected;
  tagged.back() = 0x01;
  tagged.insert(tagged.end(), {0x03, 0x01, 0x01});
  EXPECT_EQ(encode(resp, 3), tagged);
  ApiVersionsResponse back;
  ASSERT_TRUE(decode(tagged, 3, &back).ok());
  EXPECT_TRUE(back == resp);

  // v0 is classic: int32 array count, no tagged fields, no throttle time.
  resp.zk_migration_ready = false;
  const Bytes v0 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x0b, 0x00, 0x12, 0x00, 0x00, 0x00, 0x04};
  resp.throttle_time_ms = 0;
  EXPECT_EQ(encode(resp, 0), v0);
}

TEST(KafkaCodec, FlexibleNullVersusEmptyString) {
  ProduceRequest req;
  req.transactional_id = std::nullopt;
  Bytes null_form = encode(req, 9);
  req.transactional_id = std::string();
  Bytes empty_form = encode(req, 9);
  EXPECT_EQ(null_form[0], 0x00);   // compact null
  EXPECT_EQ(empty_form[0], 0x01);  // compact length 0
  ProduceRequest a;
  ASSERT_TRUE(decode(null_form, 9, &a).ok());
  EXPECT_FALSE(a.transactional_id.has_value());
  ASSERT_TRUE(decode(empty_form, 9, &a).ok());
  EXPECT_EQ(a.transactional_id, std::optional<std::string>(""));

  // Classic: -1 versus 0.
  req.transactional_id = std::nullopt;
  Bytes classic = encode(req, 3);
  EXPECT_EQ(classic[0], 0xff);
  EXPECT_EQ(classic[1], 0xff);
}

TEST(KafkaCodec, FlexibleNullVersusEmptyArray) {
  MetadataRequest req;
  req.topics = std::nullopt;  // all topics
  Bytes null_form = encode(req, 9);
  req.topics.emplace();  // no topics
  Bytes empty_form = encode(req, 9);
  EXPECT_EQ(null_form[0], 0x00);
  EXPECT_EQ(empty_form[0], 0x01);
  MetadataRequest back;
  ASSERT_TRUE(decode(null_form, 9, &back).ok());
  EXPECT_FALSE(back.topics.has_value());
  ASSERT_TRUE(decode(empty_form, 9, &back).ok());
  ASSERT_TRUE(back.topics.has_value());
  EXPECT_TRUE(back.topics->empty());
}

TEST(KafkaCodec, NullWhereNotNullableFailsBothWays) {
  // MetadataRequest.Topics is nullable only from v1.
  MetadataRequest req;
  req.topics = std::nullopt;
  Status s;
  encode(req, 0, &s);
  EXPECT_EQ(s.code(), Errc::kNegativeLength);
  MetadataRequest back;
  EXPECT_EQ(decode(Bytes{0xff, 0xff, 0xff, 0xff}, 0, &back).code(), Errc::kNegativeLength);
  EXPECT_TRUE(decode(Bytes{0xff, 0xff, 0xff, 0xff}, 1, &back).ok());
  // A non-nullable string sent as null.
  ProduceRequest p;
  EXPECT_EQ(
      decode(Bytes{0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff}, 0, &p).code(),
      Errc::kNegativeLength);
}

TEST(KafkaCodec, NegativeCountFails) {
  MetadataRequest back;
  EXPECT_EQ(decode(Bytes{0xff, 0xff, 0xff, 0xfe}, 1, &back).code(), Errc::kNegativeLength);
  EXPECT_EQ(decode(Bytes{0x80, 0x00, 0x00, 0x00}, 1, &back).code(), Errc::kNegativeLength);
}

TEST(KafkaCodec, HugeLyingCountFailsBeforeAllocating) {
  // acks, timeout, then a topic count of 0x7fffffff with ten bytes behind it.
  Bytes body = {0x00, 0x01, 0x00, 0x00, 0x03, 0xe8, 0x7f, 0xff, 0xff, 0xff};
  body.resize(body.size() + 10, 0);
  ProduceRequest req;
  EXPECT_EQ(decode(body, 2, &req).code(), Errc::kTooLarge);
  EXPECT_TRUE(req.topic_data.empty());
  // The same lie as a compact count (uvarint 0x80000000) and in a primitive array.
  Bytes flex = {0x00, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8, 0x80, 0x80, 0x80, 0x80, 0x08};
  flex.resize(flex.size() + 10, 0);
  EXPECT_EQ(decode(flex, 9, &req).code(), Errc::kTooLarge);
  // Ten int32 elements need 40 bytes; claiming ten with 10 bytes left must fail up front.
  FetchRequest::FetchTopic topic;
  Bytes partitions = {0x00, 0x00, 0x00, 0x0a};
  partitions.resize(14, 0);
  ByteReader r(partitions);
  std::vector<int32_t> ids;
  read_array(r, false, &ids);
  EXPECT_EQ(r.status().code(), Errc::kTooLarge);
  EXPECT_EQ(ids.capacity(), 0u);
}

template <typename M>
void expect_every_prefix_fails(const M& m, int16_t version) {
  Bytes full = encode(m, version);
  ASSERT_FALSE(full.empty());
  {
    M back;
    ASSERT_TRUE(decode(full, version, &back).ok());
    ASSERT_TRUE(back == m);
  }
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    ByteReader r(prefix);
    M back;
    back.decode(r, version);
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " / " << full.size() << " bytes decoded";
  }
}

ProduceRequest sample_produce(const Bytes& records) {
  ProduceRequest req;
  req.transactional_id = "txn";
  req.acks = -1;
  req.timeout_ms = 30000;
  for (int t = 0; t < 2; ++t) {
    auto& topic = req.topic_data.emplace_back();
    topic.name = "topic-" + std::to_string(t);
    for (int p = 0; p < 3; ++p) {
      auto& part = topic.partition_data.emplace_back();
      part.index = p;
      part.records = RecordsView{records};
    }
  }
  return req;
}

TEST(KafkaCodec, EveryTruncationFailsCleanly) {
  const Bytes records(40, 0xab);
  ProduceRequest req = sample_produce(records);
  expect_every_prefix_fails(req, 3);
  req.unknown_tagged_fields.push_back({7, {1, 2, 3}});
  expect_every_prefix_fails(req, 9);

  for (int16_t version : {12, 16}) {
    FetchResponse resp;
    resp.session_id = 5;
    auto& topic = resp.responses.emplace_back();
    if (version < 13) {
      topic.topic = "t";  // names until v12, ids from v13
    } else {
      topic.topic_id.bytes[3] = 9;
    }
    auto& part = topic.partitions.emplace_back();
    part.high_watermark = 100;
    part.records = RecordsView{records};
    part.aborted_transactions.emplace().push_back({1, 2, {}});
    part.diverging_epoch.epoch = 3;  // a tagged struct field
    expect_every_prefix_fails(resp, version);
  }
}

TEST(KafkaCodec, RecordsAreViewsIntoTheFrame) {
  const Bytes records(64, 0x42);
  Bytes frame = encode(sample_produce(records), 9);
  ProduceRequest back;
  ASSERT_TRUE(decode(frame, 9, &back).ok());
  const auto& view = back.topic_data[0].partition_data[0].records;
  ASSERT_TRUE(view.has_value());
  EXPECT_GE(view->bytes.data(), frame.data());
  EXPECT_LE(view->bytes.data() + view->bytes.size(), frame.data() + frame.size());
}

TEST(KafkaCodec, SplicedRecordsLeaveAGapThatFillsToTheSameBytes) {
  const Bytes records(300, 0x42);  // long enough for a two-byte compact length
  for (int16_t version : {4, 12}) {
    auto response_with = [&](RecordsView view) {
      FetchResponse resp;
      auto& topic = resp.responses.emplace_back();
      topic.topic = "t";
      topic.partitions.emplace_back().records = view;
      topic.partitions.emplace_back().partition_index = 1;  // no records
      return resp;
    };
    Bytes whole;
    ByteWriter plain(&whole);
    response_with(RecordsView{records}).encode(plain, version);
    ASSERT_TRUE(plain.ok());

    FetchResponse spliced = response_with(RecordsView{{}, records.size()});
    Bytes body;
    ByteWriter no_gaps(&body);
    spliced.encode(no_gaps, version);
    EXPECT_FALSE(no_gaps.ok()) << "a writer without a gap list must refuse spliced records";

    body.clear();
    std::vector<ByteWriter::Gap> gaps;
    ByteWriter w(&body);
    w.collect_gaps(&gaps);
    spliced.encode(w, version);
    ASSERT_TRUE(w.ok());
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].length, records.size());
    EXPECT_EQ(body.size(), spliced.encoded_size(version));
    body.insert(body.begin() + static_cast<std::ptrdiff_t>(gaps[0].at), records.begin(), records.end());
    EXPECT_EQ(body, whole) << "version " << version;
  }
}

TEST(KafkaCodec, UnsupportedVersionFails) {
  ProduceRequest req;
  ByteReader r(Bytes{});
  req.decode(r, ProduceRequest::kHighestSupportedVersion + 1);
  EXPECT_EQ(r.status().code(), Errc::kUnsupportedVersion);
  Status s;
  encode(req, -1, &s);
  EXPECT_EQ(s.code(), Errc::kUnsupportedVersion);
  ByteReader r2(Bytes{0, 0});
  EXPECT_EQ(decode_request_body(ApiVersionsRequest::kApiKey, 99, r2).code(), Errc::kUnsupportedVersion);
  ByteReader r3(Bytes{0, 0});
  EXPECT_EQ(decode_request_body(9999, 0, r3).code(), Errc::kUnsupportedVersion);
  OffsetCommitValue value;
  ByteReader r4(Bytes{});
  value.decode(r4, 5);
  EXPECT_EQ(r4.status().code(), Errc::kUnsupportedVersion);
}

TEST(KafkaCodec, NonIgnorableFieldAtVersionLackingItFails) {
  ProduceRequest req;
  req.transactional_id = "txn";  // not ignorable, only from v3
  Status s;
  encode(req, 2, &s);
  EXPECT_EQ(s.code(), Errc::kUnsupportedVersion);
  req.transactional_id = std::nullopt;  // its default: fine
  encode(req, 2, &s);
  EXPECT_TRUE(s.ok());

  // Ignorable fields are dropped silently, as Kafka's Java does.
  ProduceResponse resp;
  auto& part = resp.responses.emplace_back().partition_responses.emplace_back();
  part.log_start_offset = 77;  // ignorable, from v5
  resp.throttle_time_ms = 10;  // ignorable, from v1
  Bytes v0 = encode(resp, 0, &s);
  EXPECT_TRUE(s.ok());
  ProduceResponse back;
  ASSERT_TRUE(decode(v0, 0, &back).ok());
  EXPECT_EQ(back.responses[0].partition_responses[0].log_start_offset, -1);
  EXPECT_EQ(back.throttle_time_ms, 0);

  // Unknown tagged fields cannot be expressed in a classic version.
  req.unknown_tagged_fields.push_back({1, {}});
  encode(req, 8, &s);
  EXPECT_EQ(s.code(), Errc::kUnsupportedVersion);
}

TEST(KafkaCodec, RequestHeaderV2TaggedFieldsAndClassicClientId) {
  RequestHeader h;
  h.request_api_key = 3;
  h.request_api_version = 12;
  h.correlation_id = 0x0a0b0c0d;
  h.client_id = "cli";
  h.unknown_tagged_fields.push_back({0, {0xaa}});
  h.unknown_tagged_fields.push_back({300, {}});
  const Bytes expected = {0x00, 0x03, 0x00, 0x0c, 0x0a, 0x0b, 0x0c,
                          0x0d, 0x00, 0x03, 'c',  'l',  'i',  // int16 length even in v2
                          0x02,                               // two tagged fields
                          0x00, 0x01, 0xaa,                   // tag 0, size 1
                          0xac, 0x02, 0x00};                  // tag 300 (varint), size 0
  EXPECT_EQ(encode(h, 2), expected);
  EXPECT_EQ(h.encoded_size(2), expected.size());
  ByteReader r(expected);
  RequestHeader back;
  ASSERT_TRUE(parse_request_header(r, &back).ok());
  EXPECT_TRUE(back == h);

  // Null client id is -1 in every version.
  h.client_id = std::nullopt;
  h.unknown_tagged_fields.clear();
  Bytes null_id = encode(h, 2);
  EXPECT_EQ((Bytes{null_id[8], null_id[9], null_id[10]}), (Bytes{0xff, 0xff, 0x00}));

  // Out-of-order tags are rejected rather than reordered.
  Bytes bad = {0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 1, 0xff, 0xff, 0x02, 0x05, 0x00, 0x01, 0x00};
  ByteReader rb(bad);
  EXPECT_EQ(parse_request_header(rb, &back).code(), Errc::kInvalidValue);
}

TEST(KafkaCodec, HeaderVersionsFollowTheApi) {
  EXPECT_EQ(request_header_version(18, 3), 2);
  EXPECT_EQ(request_header_version(18, 2), 1);
  EXPECT_EQ(request_header_version(7, 0), 0);
  EXPECT_EQ(request_header_version(0, 9), 2);
  EXPECT_EQ(request_header_version(0, 8), 1);
  EXPECT_EQ(request_header_version(9999, 0), -1);
  EXPECT_EQ(response_header_version(18, 3), 0);
  EXPECT_EQ(response_header_version(3, 9), 1);
  EXPECT_EQ(response_header_version(3, 8), 0);

  // ControlledShutdown v0 has no client id in its header.
  const Bytes frame = {0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x01};
  ByteReader r(frame);
  RequestHeader h;
  ASSERT_TRUE(parse_request_header(r, &h).ok());
  EXPECT_EQ(h.correlation_id, 42);
  EXPECT_EQ(r.remaining(), 4u);

  const ApiInfo* produce = find_api(0);
  ASSERT_NE(produce, nullptr);
  EXPECT_EQ(produce->name, "Produce");
  EXPECT_EQ(produce->first_flexible_request_version, 9);
  EXPECT_TRUE(produce->listeners & kListenerBroker);
  EXPECT_EQ(api_table().size(), static_cast<size_t>(kApiKeyCount));
}

TEST(KafkaCodec, TaggedFieldSizeMustMatchContents) {
  // ProduceResponse v10 top level: empty responses, throttle 0, then tag 0 (NodeEndpoints)
  // claiming 3 bytes whose contents are a 1-byte empty array.
  const Bytes bad = {0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x00};
  ProduceResponse resp;
  EXPECT_EQ(decode(bad, 10, &resp).code(), Errc::kInvalidValue);
  const Bytes good = {0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01};
  EXPECT_TRUE(decode(good, 10, &resp).ok());
}

TEST(KafkaCodec, NullableStructCarriesAMarkerByte) {
  ConsumerGroupHeartbeatResponse resp;
  Bytes without = encode(resp, 0);
  resp.assignment.emplace();
  Bytes with = encode(resp, 0);
  EXPECT_EQ(with.size(), without.size() + resp.assignment->encoded_size(0));
  ConsumerGroupHeartbeatResponse back;
  ASSERT_TRUE(decode(with, 0, &back).ok());
  EXPECT_TRUE(back.assignment.has_value());
  ASSERT_TRUE(decode(without, 0, &back).ok());
  EXPECT_FALSE(back.assignment.has_value());
}

TEST(KafkaCodec, OverlongStringsAndVarintsFail) {
  ProduceRequest req;
  req.transactional_id = std::string(0x8000, 'x');
  Status s;
  encode(req, 9, &s);
  EXPECT_EQ(s.code(), Errc::kTooLarge);
  // Compact string length 0x8001 (0x8000 bytes) with the bytes present still fails.
  Bytes flex = {0x81, 0x80, 0x02};
  flex.resize(flex.size() + 0x8000, 'x');
  ByteReader r(flex);
  std::string out;
  read_string(r, true, &out);
  EXPECT_EQ(r.status().code(), Errc::kTooLarge);
  // A sixth varint byte.
  Bytes varint = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  ByteReader rv(varint);
  read_string(rv, true, &out);
  EXPECT_EQ(rv.status().code(), Errc::kVarintOverflow);
}

TEST(KafkaCodec, InternalSchemasDecodeAtTheirOwnVersion) {
  OffsetCommitValue v;
  v.offset = 100;
  v.leader_epoch = 5;
  v.metadata = "m";
  v.commit_timestamp = 1700000000000;
  Bytes v3 = encode(v, 3);
  // offset(8) + leader_epoch(4) + metadata(2+1) + commit_timestamp(8)
  EXPECT_EQ(v3.size(), 23u);
  OffsetCommitValue back;
  ASSERT_TRUE(decode(v3, 3, &back).ok());
  EXPECT_TRUE(back == v);
  // v1 has no leader epoch (ignorable, dropped) but an expire timestamp.
  Bytes v1 = encode(v, 1);
  EXPECT_EQ(v1.size(), 8u + 3 + 8 + 8);
}

TEST(KafkaCodec, ConsistencyCheckAcceptsRealRequests) {
  const Bytes records(16, 1);
  Bytes body = encode(sample_produce(records), 9);
  bool consistent = false;
  EXPECT_TRUE(check_request_consistency(0, 9, body, &consistent).ok());
  EXPECT_TRUE(consistent);
  body.push_back(0);
  EXPECT_EQ(check_request_consistency(0, 9, body, &consistent).code(), Errc::kTrailingBytes);
}

}  // namespace
}  // namespace runnel::kafka
