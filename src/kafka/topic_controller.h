// TopicController: the single writer of topic metadata, on shard 0. It
// validates a change, persists it in the topic table before anything else
// sees it, then hands the new MetadataImage to every shard, which opens or
// removes the partitions it owns. Callers on other shards reach it with
// invoke_on(0, ...) — see Broker::on_controller.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/shards.h"
#include "base/uuid.h"
#include "kafka/error_code.h"
#include "kafka/metadata_image.h"

namespace runnel::cluster {
class TopicTable;
struct TopicInfo;
}

namespace runnel::kafka {

class Broker;

// Upper bound on a topic's partitions (CreateTopics, CreatePartitions).
inline constexpr int32_t kMaxPartitionsPerTopic = 10000;

struct TopicSpec {
  std::string name;
  int32_t partitions = -1;          // -1: num.partitions
  int16_t replication_factor = -1;  // -1: default.replication.factor
  std::map<std::string, std::string> configs;
};

struct TopicOutcome {
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // empty when there is nothing to say
  Uuid id;
  int32_t partitions = -1;
  int16_t replication_factor = -1;
};

class TopicController {
 public:
  explicit TopicController(Broker& broker);
  ~TopicController();

  // Start-up: opens the topic table and publishes the first image.
  Task<void> load();

  Task<TopicOutcome> create(TopicSpec spec, bool validate_only);
  Task<TopicOutcome> remove(std::string name);
  Task<TopicOutcome> add_partitions(std::string name, int32_t total, bool validate_only);
  // Replaces the topic's explicit config overrides with `configs`.
  Task<TopicOutcome> set_configs(std::string name, std::map<std::string, std::string> configs, bool validate_only);
  // The table's current entry (nullptr when unknown). A caller on shard 0
  // that reads it and then calls set_configs without suspending in between
  // makes an atomic read-modify-write (IncrementalAlterConfigs).
  const cluster::TopicInfo* find(std::string_view name) const;

 private:
  Task<void> publish();

  Broker& broker_;
  std::unique_ptr<cluster::TopicTable> table_;
  int64_t version_ = 0;
};

}  // namespace runnel::kafka
