// KafkaTarget: a Kafka-protocol peer the workloads drive, whatever runs it —
// an already-running broker (--brokers), a `runnel serve` the harness
// started, or librdkafka's in-memory mock cluster. It knows how to reach the
// peer, how to create a topic on it, and (when known) the process to weigh.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

namespace runnel::benchtool {

struct KafkaTarget {
  std::string name;       // "runnel", "mock" or "brokers": the target column of reports
  std::string bootstrap;  // host:port[,host:port]
  pid_t pid = -1;         // broker process for RSS; -1 when not ours to see
  // Creates `topic` with `partitions` partitions and waits until every
  // partition has a leader. Returns "" or the reason.
  std::function<std::string(const std::string& topic, int partitions)> create_topic;
};

// create_topic for a real broker: CreateTopics through librdkafka's admin API
// (replication factor 1), then metadata until all partitions have leaders.
std::string create_topic_with_admin(const std::string& bootstrap, const std::string& topic, int partitions);

// A topic name no earlier run of this process used: runnel-bench-<pid>-<n>-<tag>.
std::string fresh_topic_name(const std::string& tag);

}  // namespace runnel::benchtool
