// See baseline_mock.h.
#include "benchtool/baseline_mock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace runnel::benchtool {

MockCluster::~MockCluster() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (owner_) rd_kafka_destroy(owner_);
}

std::string MockCluster::start(int brokers) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The owner handle never talks to anyone; silence its bootstrap warnings.
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!owner_) return std::string("librdkafka: ") + errstr;
  cluster_ = rd_kafka_mock_cluster_new(owner_, brokers);
  if (!cluster_) return "rd_kafka_mock_cluster_new failed";
  return "";
}

KafkaTarget MockCluster::target() const {
  KafkaTarget t;
  t.name = "mock";
  t.bootstrap = rd_kafka_mock_cluster_bootstraps(cluster_);
  rd_kafka_mock_cluster_t* cluster = cluster_;
  t.create_topic = [cluster](const std::string& topic, int partitions) -> std::string {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("mock topic create: ") + rd_kafka_err2str(err);
    return "";
  };
  return t;
}

}  // namespace runnel::benchtool
