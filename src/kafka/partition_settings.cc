#include "kafka/partition_settings.h"

namespace runnel::kafka {

PartitionSettings resolve_partition_settings(const TopicImage& topic, const cluster::BrokerSettings& broker) {
  const cluster::ResolvedTopicConfig resolved = cluster::resolve_topic_config(topic.configs, broker);
  const cluster::TopicPolicy policy = cluster::to_topic_policy(resolved);
  PartitionSettings settings;
  settings.log.log = cluster::to_log_config(resolved);
  settings.log.compact = policy.compact;
  settings.log.delete_retention = policy.delete_segments;
  settings.log.compaction = policy.compaction;
  settings.produce.max_message_bytes = policy.max_message_bytes;
  settings.produce.log_append_time = policy.log_append_time;
  settings.produce.compacted = policy.compact;
  settings.produce.min_insync_replicas = policy.min_insync_replicas;
  settings.produce.compression = policy.compression;
  return settings;
}

}  // namespace runnel::kafka
