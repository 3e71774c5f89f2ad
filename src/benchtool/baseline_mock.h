// MockCluster: librdkafka's in-memory Kafka-protocol peer
// (rd_kafka_mock_cluster_new) as a KafkaTarget — no disk, so an upper bound
// for what framing and the client cost. It keeps only the newest data (about
// 50 MiB in all with librdkafka 2.0): catch-up reads on it must stay small.
#pragma once

#include <string>

#include "benchtool/kafka_target.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace runnel::benchtool {

class MockCluster {
 public:
  MockCluster() = default;
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;
  ~MockCluster();

  std::string start(int brokers = 1);
  KafkaTarget target() const;

 private:
  rd_kafka_t* owner_ = nullptr;  // the handle the mock cluster lives in
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace runnel::benchtool
