// The broker through its request path: a real LocalBroker on a temporary
// directory, typed requests in, responses decoded as a client would.
#include <gtest/gtest.h>

#include <filesystem>

#include "kafka/dispatch.h"
#include "kafka/error_code.h"
#include "kafka/local_broker.h"
#include "kafka_test_util.h"
#include "protocol/kafka/generated/api_versions.h"
#include "protocol/kafka/generated/create_topics.h"
#include "protocol/kafka/generated/delete_topics.h"
#include "protocol/kafka/generated/fetch.h"
#include "protocol/kafka/generated/init_producer_id.h"
#include "protocol/kafka/generated/list_offsets.h"
#include "protocol/kafka/generated/metadata.h"
#include "protocol/kafka/generated/produce.h"
#include "protocol/record_batch.h"
#include "../storage/temp_dir.h"

namespace runnel::kafka {
namespace {

using testing::call;
using testing::frame_of;
using testing::make_batch;

using testing::config_in;
using testing::create_topic;
using testing::produce;

FetchResponse fetch(LocalBroker& broker, const std::string& topic, int32_t partition, int64_t offset,
                    int32_t max_wait_ms = 0) {
  FetchRequest request;
  request.max_wait_ms = max_wait_ms;
  request.min_bytes = 1;
  auto& t = request.topics.emplace_back();
  t.topic = topic;
  auto& p = t.partitions.emplace_back();
  p.partition = partition;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  return call<FetchResponse>(broker, request, 12);
}

TEST(BrokerTest, ApiVersionsAnswersAnUnknownVersionAtV0WithTheApiList) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  ApiVersionsRequest request;
  std::vector<uint8_t> frame = frame_of(request, 3);
  frame[2] = 0;
  frame[3] = 99;  // request_api_version
  Dispatched d = broker.request(frame);
  ASSERT_EQ(d.action, Dispatched::Action::kRespond);
  EXPECT_EQ(d.response_header_version, 0);
  ApiVersionsResponse response;
  ByteReader r(d.body);
  response.decode(r, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(response.error_code, code(ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(response.api_keys.size(), api_handlers().size());
}

TEST(BrokerTest, AdvertisesExactlyTheDispatchTable) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  auto response = call<ApiVersionsResponse>(broker, ApiVersionsRequest{}, 3);
  ASSERT_EQ(response.api_keys.size(), api_handlers().size());
  for (size_t i = 0; i < response.api_keys.size(); ++i) {
    EXPECT_EQ(response.api_keys[i].api_key, api_handlers()[i].key);
    EXPECT_EQ(response.api_keys[i].max_version, api_handlers()[i].max_version);
  }
}

TEST(BrokerTest, UnknownApiAndGarbageHeadersCloseTheConnection) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  std::vector<uint8_t> unknown = {0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0, 0};  // api key 999
  EXPECT_EQ(broker.request(unknown).action, Dispatched::Action::kClose);
  std::vector<uint8_t> short_frame = {0, 3};
  EXPECT_EQ(broker.request(short_frame).action, Dispatched::Action::kClose);
  // Still serving.
  auto response = call<ApiVersionsResponse>(broker, ApiVersionsRequest{}, 3);
  EXPECT_EQ(response.error_code, 0);
}

TEST(BrokerTest, CreateTopicValidatesAndReportsErrorsPerTopic) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  auto created = create_topic(broker, "orders", 3);
  ASSERT_EQ(created.topics.size(), 1u);
  EXPECT_EQ(created.topics[0].error_code, 0);
  EXPECT_EQ(created.topics[0].num_partitions, 3);
  EXPECT_FALSE(created.topics[0].topic_id.is_zero());
  EXPECT_EQ(create_topic(broker, "orders", 3).topics[0].error_code, code(ErrorCode::kTopicAlreadyExists));
  EXPECT_EQ(create_topic(broker, "bad/name", 1).topics[0].error_code, code(ErrorCode::kInvalidTopicException));
  EXPECT_EQ(create_topic(broker, "zero", 0).topics[0].error_code, code(ErrorCode::kInvalidPartitions));
  EXPECT_EQ(create_topic(broker, "cfg", 1, 1, {{"retention.ms", "soon"}}).topics[0].error_code,
            code(ErrorCode::kInvalidConfig));
  // Dev mode (the default on one node) accepts replication 3 and records 1.
  auto replicated = create_topic(broker, "replicated", 1, 3);
  EXPECT_EQ(replicated.topics[0].error_code, 0);
  EXPECT_EQ(replicated.topics[0].replication_factor, 1);
}

TEST(BrokerTest, ReplicationAboveTheNodeCountFailsOutsideDevMode) {
  storage::TempDir dir;
  BrokerConfig config = config_in(dir);
  config.dev_mode = false;
  LocalBroker broker(config);
  auto response = create_topic(broker, "replicated", 1, 3);
  EXPECT_EQ(response.topics[0].error_code, code(ErrorCode::kInvalidReplicationFactor));
  ASSERT_TRUE(response.topics[0].error_message.has_value());
  EXPECT_NE(response.topics[0].error_message->find("3"), std::string::npos);
}

TEST(BrokerTest, MetadataAutoCreatesValidNamesOnly) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  MetadataRequest request;
  request.topics.emplace();
  auto& a = request.topics->emplace_back();
  a.name = "auto-made";
  auto& b = request.topics->emplace_back();
  b.name = "no good";
  auto response = call<MetadataResponse>(broker, request, 12);
  ASSERT_EQ(response.topics.size(), 2u);
  EXPECT_EQ(response.topics[0].error_code, 0);
  EXPECT_EQ(response.topics[0].partitions.size(), 1u);
  EXPECT_EQ(response.topics[1].error_code, code(ErrorCode::kInvalidTopicException));
  ASSERT_EQ(response.brokers.size(), 1u);
  EXPECT_EQ(response.controller_id, 0);
  EXPECT_TRUE(response.cluster_id.has_value() && !response.cluster_id->empty());

  MetadataRequest no_create = request;
  no_create.allow_auto_topic_creation = false;
  (*no_create.topics)[0].name = "not-made";
  auto refused = call<MetadataResponse>(broker, no_create, 12);
  EXPECT_EQ(refused.topics[0].error_code, code(ErrorCode::kUnknownTopicOrPartition));
}

TEST(BrokerTest, ProduceThenFetchReturnsTheSameBytesWithAssignedOffsets) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "events", 2);
  auto batch = make_batch(5);
  auto first = produce(broker, "events", 1, batch);
  ASSERT_EQ(first.responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(first.responses[0].partition_responses[0].base_offset, 0);
  auto again = make_batch(3);
  auto second = produce(broker, "events", 1, again);
  EXPECT_EQ(second.responses[0].partition_responses[0].base_offset, 5);

  auto fetched = fetch(broker, "events", 1, 0);
  ASSERT_EQ(fetched.responses.size(), 1u);
  const auto& p = fetched.responses[0].partitions[0];
  EXPECT_EQ(p.error_code, 0);
  EXPECT_EQ(p.high_watermark, 8);
  ASSERT_TRUE(p.records.has_value());
  auto batches = split_record_batches(p.records->bytes);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 2u);
  EXPECT_EQ((*batches)[0].base_offset(), 0);
  EXPECT_EQ((*batches)[1].base_offset(), 5);
  EXPECT_TRUE((*batches)[1].validate().ok());

  auto past_end = fetch(broker, "events", 1, 9);
  EXPECT_EQ(past_end.responses[0].partitions[0].error_code, code(ErrorCode::kOffsetOutOfRange));
  auto unknown = fetch(broker, "nope", 0, 0);
  EXPECT_EQ(unknown.responses[0].partitions[0].error_code, code(ErrorCode::kUnknownTopicOrPartition));
}

TEST(BrokerTest, ACorruptBatchFailsOnlyItsOwnPartition) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "mixed", 2);
  auto good = make_batch(2);
  auto bad = make_batch(2);
  bad[bad.size() - 1] ^= 0xff;  // inside the CRC-covered records
  ProduceRequest request;
  request.acks = 1;
  auto& t = request.topic_data.emplace_back();
  t.name = "mixed";
  auto& p0 = t.partition_data.emplace_back();
  p0.index = 0;
  p0.records = RecordsView{bad};
  auto& p1 = t.partition_data.emplace_back();
  p1.index = 1;
  p1.records = RecordsView{good};
  auto response = call<ProduceResponse>(broker, request, 9);
  const auto& answers = response.responses[0].partition_responses;
  EXPECT_EQ(answers[0].error_code, code(ErrorCode::kCorruptMessage));
  EXPECT_EQ(answers[1].error_code, 0);
  EXPECT_EQ(answers[1].base_offset, 0);
}

TEST(BrokerTest, OversizedBatchIsMessageTooLarge) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "small", 1, 1, {{"max.message.bytes", "200"}});
  auto batch = make_batch(50);
  auto response = produce(broker, "small", 0, batch);
  EXPECT_EQ(response.responses[0].partition_responses[0].error_code, code(ErrorCode::kMessageTooLarge));
}

TEST(BrokerTest, IdempotentRetriesGetTheOriginalOffsets) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "idem", 1);
  InitProducerIdRequest init;
  init.transactional_id = std::nullopt;
  auto ids = call<InitProducerIdResponse>(broker, init, 4);
  ASSERT_EQ(ids.error_code, 0);
  ASSERT_GE(ids.producer_id, 0);

  auto make = [&](int32_t sequence) {
    RecordBatchBuilder builder;
    builder.producer(ids.producer_id, ids.producer_epoch, sequence);
    builder.add("k", "v", 1700000000000);
    builder.add("k", "w", 1700000000001);
    return *builder.build();
  };
  auto first = make(0);
  EXPECT_EQ(produce(broker, "idem", 0, first).responses[0].partition_responses[0].base_offset, 0);
  auto second = make(2);
  EXPECT_EQ(produce(broker, "idem", 0, second).responses[0].partition_responses[0].base_offset, 2);
  auto retry = make(0);
  auto dup = produce(broker, "idem", 0, retry);
  EXPECT_EQ(dup.responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(dup.responses[0].partition_responses[0].base_offset, 0);
  auto gap = make(9);
  EXPECT_EQ(produce(broker, "idem", 0, gap).responses[0].partition_responses[0].error_code,
            code(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(fetch(broker, "idem", 0, 0).responses[0].partitions[0].high_watermark, 4);
}

TEST(BrokerTest, TopicsDataAndProducerStateSurviveARestart) {
  storage::TempDir dir;
  int64_t producer_id = -1;
  {
    LocalBroker broker(config_in(dir));
    create_topic(broker, "durable", 1);
    InitProducerIdRequest init;
    init.transactional_id = std::nullopt;
    producer_id = call<InitProducerIdResponse>(broker, init, 4).producer_id;
    RecordBatchBuilder builder;
    builder.producer(producer_id, 0, 0);
    builder.add("k", "v", 1700000000000);
    auto batch = *builder.build();
    produce(broker, "durable", 0, batch);
  }
  LocalBroker broker(config_in(dir));
  RecordBatchBuilder builder;
  builder.producer(producer_id, 0, 0);
  builder.add("k", "v", 1700000000000);
  auto retry = *builder.build();
  auto dup = produce(broker, "durable", 0, retry);
  EXPECT_EQ(dup.responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(dup.responses[0].partition_responses[0].base_offset, 0) << "a retry after restart is still a duplicate";
  EXPECT_EQ(fetch(broker, "durable", 0, 0).responses[0].partitions[0].high_watermark, 1);
  InitProducerIdRequest init;
  init.transactional_id = std::nullopt;
  EXPECT_GT(call<InitProducerIdResponse>(broker, init, 4).producer_id, producer_id) << "ids never repeat";
}

TEST(BrokerTest, ListOffsetsEarliestLatestAndByTime) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "times", 1);
  auto batch = make_batch(10, "v", 1000);
  produce(broker, "times", 0, batch);
  auto ask = [&](int64_t timestamp) {
    ListOffsetsRequest request;
    request.replica_id = -1;
    auto& t = request.topics.emplace_back();
    t.name = "times";
    auto& p = t.partitions.emplace_back();
    p.partition_index = 0;
    p.timestamp = timestamp;
    return call<ListOffsetsResponse>(broker, request, 8).topics[0].partitions[0];
  };
  EXPECT_EQ(ask(-2).offset, 0);
  EXPECT_EQ(ask(-1).offset, 10);
  auto by_time = ask(1004);
  EXPECT_EQ(by_time.offset, 4);
  EXPECT_EQ(by_time.timestamp, 1004);
  auto max = ask(-3);
  EXPECT_EQ(max.offset, 9);
  EXPECT_EQ(max.timestamp, 1009);
  EXPECT_EQ(ask(5000).offset, -1);
}

TEST(BrokerTest, DeletedTopicIsGoneAndCanBeCreatedAgainEmpty) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "gone", 1);
  auto batch = make_batch(3);
  produce(broker, "gone", 0, batch);
  DeleteTopicsRequest request;
  request.topic_names = {"gone"};
  auto deleted = call<DeleteTopicsResponse>(broker, request, 5);
  EXPECT_EQ(deleted.responses[0].error_code, 0);
  EXPECT_EQ(call<DeleteTopicsResponse>(broker, request, 5).responses[0].error_code,
            code(ErrorCode::kUnknownTopicOrPartition));
  create_topic(broker, "gone", 1);
  EXPECT_EQ(fetch(broker, "gone", 0, 0).responses[0].partitions[0].high_watermark, 0);
}

TEST(BrokerTest, LogsOfTopicsThatNoLongerExistAreRemovedAtStart) {
  storage::TempDir dir;
  {
    LocalBroker broker(config_in(dir));
    create_topic(broker, "kept", 1);
    auto batch = make_batch(1);
    produce(broker, "kept", 0, batch);
  }
  // As if a crash struck after the topic table forgot "ghost" and before its
  // directories went, plus a partition beyond "kept"'s count.
  std::filesystem::create_directories(dir.path() + "/kafka/ghost");
  std::filesystem::copy(dir.path() + "/kafka/kept/0", dir.path() + "/kafka/ghost/0",
                        std::filesystem::copy_options::recursive);
  std::filesystem::copy(dir.path() + "/kafka/kept/0", dir.path() + "/kafka/kept/7",
                        std::filesystem::copy_options::recursive);
  LocalBroker broker(config_in(dir));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/kafka/ghost/0"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/kafka/kept/7"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/kafka/kept/0"));
  EXPECT_EQ(fetch(broker, "kept", 0, 0).responses[0].partitions[0].high_watermark, 1);
}

}  // namespace
}  // namespace runnel::kafka
