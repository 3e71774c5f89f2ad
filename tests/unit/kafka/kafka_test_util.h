// Helpers for driving a LocalBroker with typed requests: frame a request the
// way a client would, decode the response the way a client would.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kafka/local_broker.h"
#include "protocol/kafka/generated/api_table.h"
#include "protocol/kafka/generated/headers.h"
#include "protocol/record_batch_builder.h"

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
