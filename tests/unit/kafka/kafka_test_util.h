// Helpers for driving a LocalBroker with typed requests: frame a request the
// way a client would, decode the response the way a client would.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kafka/local_broker.h"
#include "protocol/kafka/generated/api_table.h"
#include "protocol/kafka/generated/create_topics.h"
#include "protocol/kafka/generated/headers.h"
#include "protocol/kafka/generated/produce.h"
#include "protocol/record_batch_builder.h"
#include "../storage/temp_dir.h"

namespace runnel::kafka::testing {

template <typename Request>
std::vector<uint8_t> frame_of(const Request& request, int16_t version, int32_t correlation_id = 7) {
  RequestHeader header;
  header.request_api_key = Request::kApiKey;
  header.request_api_version = version;
  header.correlation_id = correlation_id;
  header.client_id = "unit-test";
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  header.encode(w, request_header_version(Request::kApiKey, version));
  request.encode(w, version);
  EXPECT_TRUE(w.ok());
  return out;
}

// A decoded response's records are views into the body it came from, so
// every body is kept until the test process ends.
inline std::vector<std::vector<uint8_t>>& kept_response_bodies() {
  static std::vector<std::vector<uint8_t>> bodies;
  return bodies;
}

template <typename Response, typename Request>
Response call(LocalBroker& broker, const Request& request, int16_t version) {
  std::vector<uint8_t> frame = frame_of(request, version);
  Dispatched d = broker.request(frame);
  EXPECT_EQ(d.action, Dispatched::Action::kRespond) << d.why;
  const std::vector<uint8_t>& body = kept_response_bodies().emplace_back(std::move(d.body));
  Response response;
  ByteReader r(body);
  response.decode(r, version);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r.remaining(), 0u);
  return response;
}

inline BrokerConfig config_in(const storage::TempDir& dir) {
  BrokerConfig config;
  config.data_dir = dir.path();
  return config;
}

inline CreateTopicsResponse create_topic(LocalBroker& broker, const std::string& name, int32_t partitions,
                                         int16_t replication = 1, std::map<std::string, std::string> configs = {}) {
  CreateTopicsRequest request;
  auto& t = request.topics.emplace_back();
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = replication;
  for (const auto& [k, v] : configs) {
    auto& c = t.configs.emplace_back();
    c.name = k;
    c.value = v;
  }
  return call<CreateTopicsResponse>(broker, request, 7);
}

inline ProduceResponse produce(LocalBroker& broker, const std::string& topic, int32_t partition,
                               std::vector<uint8_t>& batch, int16_t acks = -1) {
  ProduceRequest request;
  request.acks = acks;
  request.timeout_ms = 1000;
  auto& t = request.topic_data.emplace_back();
  t.name = topic;
  auto& p = t.partition_data.emplace_back();
  p.index = partition;
  p.records = RecordsView{batch};
  return call<ProduceResponse>(broker, request, 9);
}

// A batch of `count` keyed records, valid and ready to produce.
inline std::vector<uint8_t> make_batch(int count, const std::string& prefix = "v", int64_t timestamp = 1700000000000,
                                       CompressionType codec = CompressionType::kNone) {
  RecordBatchBuilder builder;
  builder.compression(codec);
  for (int i = 0; i < count; ++i) {
    std::string key = "k";
    key.append(std::to_string(i));
    std::string value = prefix;
    value.append(std::to_string(i));
    builder.add(key, value, timestamp + i, {RecordHeader{"h", std::string("x")}});
  }
  auto built = builder.build();
  EXPECT_TRUE(built.ok());
  return *built;
}

}  // namespace runnel::kafka::testing
