// KafkaTarget: a Kafka-protocol peer the workloads drive, whatever runs it —
// an already-running broker (--brokers), a `runnel serve` the harness
// started, or librdkafka's in-memory mock cluster. It knows how to reach the
// peer, how to create a topic on it, and (when known) the process to weigh.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>

namespace runnel::benchtool {

struct KafkaTarget {
  std::string name;       // "runnel", "mock" or "brokers": the target column of reports
  std::string bootstrap;  // host:port[,host:port]
  pid_t pid = -1;         // broker process for RSS; -1 when not ours to see
  // Creates `topic` with `partitions` partitions and waits until every
  // partition has a leader. Returns "" or the reason.
  std::function<std::string(const std::string& topic, int partitions)> create_topic;
  // A fresh topic a workload has finished with. It is deleted before the
  // next topic is created: a suite writes tens of GB and must not fill the
  // disk, while a figure taken right after a run (RSS with 1,000 partitions)
  // still sees its topic. Empty when nothing needs deleting (the mock).
  std::function<void(const std::string& topic)> done_with_topic;
};

// Sets create_topic and done_with_topic for a real broker at t.bootstrap:
// CreateTopics through librdkafka's admin API (replication factor 1), then
// metadata until all partitions have leaders; DeleteTopics for the topics
// given to done_with_topic, before each creation.
void use_admin_topics(KafkaTarget& t);

// Hands a workload's fresh topic to done_with_topic when the workload ends,
// however it ends. A topic the user named (--topic) is left alone.
class RetireWhenDone {
 public:
  RetireWhenDone(const KafkaTarget& target, std::string topic, bool fresh)
      : target_(target), topic_(std::move(topic)), fresh_(fresh) {}
  ~RetireWhenDone() {
    if (fresh_ && target_.done_with_topic) target_.done_with_topic(topic_);
  }
  RetireWhenDone(const RetireWhenDone&) = delete;
  RetireWhenDone& operator=(const RetireWhenDone&) = delete;

 private:
  const KafkaTarget& target_;
  std::string topic_;
  bool fresh_;
};

// A topic name no earlier run of this process used: runnel-bench-<pid>-<n>-<tag>.
std::string fresh_topic_name(const std::string& tag);

}  // namespace runnel::benchtool
