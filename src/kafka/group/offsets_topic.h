// __consumer_offsets: the compacted internal topic that holds every group's
// committed offsets and metadata. A group lives in one of its partitions,
// chosen as Kafka chooses (so a group's records land where a Kafka broker
// would put them), and is served by the shard that owns that partition.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/shards.h"
#include "kafka/error_code.h"

namespace runnel::kafka {

class Broker;

inline constexpr std::string_view kOffsetsTopic = "__consumer_offsets";

// Java's String.hashCode of the group id, made non-negative, modulo the
// partition count. Exact for ASCII ids; other bytes count as one char each.
int32_t offsets_partition_for(std::string_view group, int32_t partitions);

// Creates __consumer_offsets (offsets.topic.num.partitions partitions,
// compacted) unless it exists. kNone once it exists, else
// COORDINATOR_NOT_AVAILABLE: clients retry FindCoordinator on it.
Task<ErrorCode> ensure_offsets_topic(Broker& broker);

}  // namespace runnel::kafka
