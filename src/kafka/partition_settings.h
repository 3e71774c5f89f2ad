// What a partition is configured with: its topic's effective configs (the
// topic's overrides over the broker's settings over the defaults) turned
// into the storage engine's log config and the produce path's policy.
#pragma once

#include "cluster/topic_config.h"
#include "kafka/metadata_image.h"
#include "kafka/partition.h"
#include "storage/log_manager.h"

namespace runnel::kafka {

struct PartitionSettings {
  storage::ManagedLogConfig log;
  ProducePolicy produce;
};

PartitionSettings resolve_partition_settings(const TopicImage& topic, const cluster::BrokerSettings& broker);

}  // namespace runnel::kafka
