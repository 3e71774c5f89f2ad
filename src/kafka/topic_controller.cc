#include "kafka/topic_controller.h"

#include <stdexcept>

#include "base/logging.h"
#include "cluster/config_catalog.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "kafka/broker.h"

namespace runnel::kafka {

namespace {

TopicOutcome failure(ErrorCode error, std::string message) {
  TopicOutcome out;
  out.error = error;
  out.message = std::move(message);
  return out;
}

TopicOutcome success(const cluster::TopicInfo& topic) {
  TopicOutcome out;
  out.id = topic.id;
  out.partitions = topic.partitions;
  out.replication_factor = topic.replication_factor;
  return out;
}

std::optional<std::string> config_problem(const std::map<std::string, std::string>& configs) {
  for (const auto& [name, value] : configs) {
    if (auto problem = cluster::validate_topic_setting(name, value)) return problem;
  }
  return std::nullopt;
}

}  // namespace

TopicController::TopicController(Broker& broker) : broker_(broker) {}
TopicController::~TopicController() = default;

Task<void> TopicController::load() {
  std::string meta_dir = broker_.config().data_dir;
  meta_dir.append("/meta");
  auto table = cluster::TopicTable::open(meta_dir);
  if (!table.ok()) {
    std::string why = "cannot load the topic table in ";
    throw std::runtime_error(why.append(meta_dir).append(": ").append(table.error()));
  }
  table_ = std::make_unique<cluster::TopicTable>(std::move(*table));
  co_await publish();
}

Task<void> TopicController::publish() {
  auto image = std::make_shared<MetadataImage>();
  image->cluster_id = table_->cluster_id();
  image->version = ++version_;
  for (const auto& [name, t] : table_->all()) {
    auto topic = std::make_shared<TopicImage>();
    topic->name = t.name;
    topic->id = t.id;
    topic->partitions = t.partitions;
    topic->replication_factor = t.replication_factor;
    topic->configs = t.configs;
    image->topics.emplace(t.name, topic);
    image->topics_by_id.emplace(t.id, topic);
  }
  co_await broker_.publish(std::move(image));
}

Task<TopicOutcome> TopicController::create(TopicSpec spec, bool validate_only) {
  if (auto problem = cluster::topic_name_problem(spec.name))
    co_return failure(ErrorCode::kInvalidTopicException, *problem);
  if (table_->find(spec.name) != nullptr) {
    std::string why = "Topic '";
    co_return failure(ErrorCode::kTopicAlreadyExists, why.append(spec.name).append("' already exists."));
  }
  if (spec.partitions == -1) spec.partitions = static_cast<int32_t>(broker_.setting_int("num.partitions"));
  if (spec.replication_factor == -1) {
    spec.replication_factor = static_cast<int16_t>(broker_.setting_int("default.replication.factor"));
  }
  if (spec.partitions <= 0) {
    co_return failure(ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.");
  }
  // Kafka caps partitions per request through quotas; a bound keeps one
  // request from creating more directories than the node can hold open.
  if (spec.partitions > kMaxPartitionsPerTopic) {
    std::string why = "Number of partitions must be at most ";
    co_return failure(ErrorCode::kInvalidPartitions,
                      why.append(std::to_string(kMaxPartitionsPerTopic)).append("."));
  }
  if (spec.replication_factor <= 0) {
    co_return failure(ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0.");
  }
  if (spec.replication_factor > 1) {
    if (!broker_.config().dev_mode) {
      std::string why = "Unable to replicate the partition ";
      why.append(std::to_string(spec.replication_factor))
          .append(" time(s): The target replication factor of ")
          .append(std::to_string(spec.replication_factor))
          .append(" cannot be reached because only 1 broker(s) are registered.");
      co_return failure(ErrorCode::kInvalidReplicationFactor, why);
    }
    // Dev mode on one node, as Redpanda's: accept and keep one replica.
    spec.replication_factor = 1;
  }
  if (auto problem = config_problem(spec.configs)) co_return failure(ErrorCode::kInvalidConfig, *problem);

  cluster::TopicInfo info;
  info.name = spec.name;
  info.id = random_uuid();
  info.partitions = spec.partitions;
  info.replication_factor = spec.replication_factor;
  info.configs = spec.configs;
  if (validate_only) co_return success(info);
  if (auto s = table_->create(info); !s.ok()) co_return failure(ErrorCode::kKafkaStorageError, s.error());
  co_await publish();
  log::kafka().info("runnel: created topic {} ({} partitions)", info.name, info.partitions);
  co_return success(info);
}

Task<TopicOutcome> TopicController::remove(std::string name) {
  const cluster::TopicInfo* topic = table_->find(name);
  if (topic == nullptr) co_return failure(ErrorCode::kUnknownTopicOrPartition, "");
  if (!broker_.setting_bool("delete.topic.enable")) {
    co_return failure(ErrorCode::kTopicDeletionDisabled, "Topic deletion is disabled.");
  }
  cluster::TopicInfo removed = *topic;
  if (auto s = table_->remove(name); !s.ok()) co_return failure(ErrorCode::kKafkaStorageError, s.error());
  co_await publish();
  log::kafka().info("runnel: deleted topic {}", name);
  co_return success(removed);
}

Task<TopicOutcome> TopicController::add_partitions(std::string name, int32_t total, bool validate_only) {
  const cluster::TopicInfo* topic = table_->find(name);
  if (topic == nullptr) co_return failure(ErrorCode::kUnknownTopicOrPartition, "");
  if (total < topic->partitions) {
    std::string why = "Topic currently has ";
    why.append(std::to_string(topic->partitions))
        .append(" partitions, which is higher than the requested ")
        .append(std::to_string(total))
        .append(".");
    co_return failure(ErrorCode::kInvalidPartitions, why);
  }
  if (total == topic->partitions) {
    std::string why = "Topic already has ";
    co_return failure(ErrorCode::kInvalidPartitions,
                      why.append(std::to_string(total)).append(" partitions."));
  }
  if (total > kMaxPartitionsPerTopic) {
    std::string why = "Number of partitions must be at most ";
    co_return failure(ErrorCode::kInvalidPartitions,
                      why.append(std::to_string(kMaxPartitionsPerTopic)).append("."));
  }
  cluster::TopicInfo grown = *topic;
  grown.partitions = total;
  if (validate_only) co_return success(grown);
  if (auto s = table_->add_partitions(name, total); !s.ok())
    co_return failure(ErrorCode::kKafkaStorageError, s.error());
  co_await publish();
  co_return success(grown);
}

const cluster::TopicInfo* TopicController::find(std::string_view name) const {
  return table_->find(name);
}

Task<TopicOutcome> TopicController::set_configs(std::string name, std::map<std::string, std::string> configs,
                                                bool validate_only) {
  const cluster::TopicInfo* topic = table_->find(name);
  if (topic == nullptr) co_return failure(ErrorCode::kUnknownTopicOrPartition, "");
  if (auto problem = config_problem(configs)) co_return failure(ErrorCode::kInvalidConfig, *problem);
  cluster::TopicInfo changed = *topic;
  changed.configs = configs;
  if (validate_only) co_return success(changed);
  if (auto s = table_->set_configs(name, configs); !s.ok())
    co_return failure(ErrorCode::kKafkaStorageError, s.error());
  co_await publish();
  co_return success(changed);
}

}  // namespace runnel::kafka
