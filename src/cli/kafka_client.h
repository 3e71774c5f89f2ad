// KafkaClient: one librdkafka handle (admin/producer or consumer) with RAII
// for it and for the admin objects, and the calls the commands share:
// cluster metadata, watermarks, offsets for a time, and admin requests run to
// completion. Connecting first probes the brokers over TCP, so an unreachable
// address fails in one line within the connect timeout instead of librdkafka
// retrying in the background.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/client_settings.h"
#include "cli/outcome.h"

namespace runnel::cli {

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// "UNKNOWN_TOPIC_OR_PARTITION: Unknown topic or partition" — Kafka's name for
// the code and what it means, then the broker's own message if it adds one.
std::string kafka_error(rd_kafka_resp_err_t err, const char* detail = nullptr);

// Internal topics by name (__consumer_offsets, _schemas): librdkafka's
// metadata does not carry Kafka's is_internal flag.
inline bool is_internal_topic(const std::string& topic) {
  return topic.starts_with("__") || topic == "_schemas";
}

// librdkafka's name for a code as Kafka spells it (a few differ).
std::string kafka_error_name(rd_kafka_resp_err_t err);

class KafkaClient {
 public:
  // kConsumer is a group member (subscribe/assign, commits, closes on exit);
  // kSimpleConsumer reads partitions through per-partition queues and needs
  // no group.id, so it never touches the group coordinator.
  enum class Kind { kAdmin, kProducer, kConsumer, kSimpleConsumer };
  using Customize = std::function<Outcome<Unit>(rd_kafka_conf_t*)>;

  struct Broker {
    int32_t id = -1;
    std::string host;
    int port = 0;
  };
  struct Partition {
    int32_t id = 0;
    int32_t leader = -1;
    std::vector<int32_t> replicas;
    std::vector<int32_t> isr;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;  // sorted by id
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  };
  struct Metadata {
    std::vector<Broker> brokers;  // sorted by id
    std::vector<Topic> topics;    // sorted by name
    int32_t controller_id = -1;
    std::string cluster_id;
    const Topic* find(const std::string& name) const;
  };
  struct Watermarks {
    int64_t low = -1;   // log start
    int64_t high = -1;  // high watermark (end)
  };

  // Probes the brokers, then creates the handle. `config` entries are
  // librdkafka properties; `customize` may set callbacks.
  static Outcome<std::unique_ptr<KafkaClient>> connect(
      const ClientSettings& settings, Kind kind,
      const std::vector<std::pair<std::string, std::string>>& config = {}, const Customize& customize = {});

  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  rd_kafka_t* handle() const { return rk_; }
  const ClientSettings& settings() const { return settings_; }
  int64_t request_timeout_ms() const { return request_timeout_ms_; }

  // All topics (and, with controller, the controller id and cluster id).
  Outcome<Metadata> metadata(bool with_controller = false);
  // Metadata for these topics only; a topic the broker does not know is an
  // error naming it.
  Outcome<Metadata> topics_metadata(const std::vector<std::string>& topics);

  Outcome<Watermarks> watermarks(const std::string& topic, int32_t partition);
  // For each partition, the first offset at or after timestamp_ms (-1: none).
  Outcome<std::vector<int64_t>> offsets_for_time(const std::string& topic,
                                                 const std::vector<int32_t>& partitions,
                                                 int64_t timestamp_ms);

  // Runs one admin request to completion: `submit` enqueues it with the given
  // options on the given queue. The result event, or the request's error.
  using Submit = std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>;
  Outcome<EventPtr> admin(rd_kafka_admin_op_t op, const Submit& submit, bool validate_only = false);

  // A consumer leaves its group and commits before the handle goes.
  void close_consumer();

  // The last connection problem librdkafka logged, for error messages.
  std::string last_broker_error() const;
  // "cannot get metadata: <what> (last broker error: ...)"
  Failure broker_failure(const std::string& what, rd_kafka_resp_err_t err) const;

 private:
  KafkaClient(const ClientSettings& settings, Kind kind);
  static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message);

  ClientSettings settings_;
  Kind kind_;
  rd_kafka_t* rk_ = nullptr;
  bool consumer_closed_ = false;
  int64_t request_timeout_ms_ = 30000;
  mutable std::mutex mu_;
  std::string last_error_;
};

// Fails fast with "cannot reach broker HOST:PORT: connection refused" when no
// bootstrap broker accepts a TCP connection within the connect timeout.
Outcome<Unit> probe_brokers(const ClientSettings& settings);

}  // namespace runnel::cli
