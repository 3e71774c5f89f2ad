// The admin API's view of consumer groups: the JSON of /v1/groups/{group}
// and the consumer-group metric families of /metrics and /public_metrics.
// Both read the live groups (kafka/group/group_views.h) and the one lag
// computation (kafka/group/group_lag.h), gathered from the owning shards.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/shards.h"
#include "metrics/registry.h"

namespace runnel::kafka {
class Broker;
}

namespace runnel::app {

// {"group_id", "state", "protocol_type", "protocol", "members": [{"member_id",
// "group_instance_id", "client_id", "client_host", "assignments": [{"topic",
// "partitions"}]}], "offsets": [{"topic", "partition", "committed_offset",
// "high_watermark", "lag"}], "total_lag", "max_lag"}; nullopt when the
// group does not exist.
Task<std::optional<std::string>> group_json(kafka::Broker& broker, std::string group);

// Per group: committed offset per partition, lag max and sum, members and
// topics; Redpanda's public names (redpanda_kafka_consumer_group_*) or the
// internal ones (vectorized_kafka_group_*). Families without series are left out.
Task<std::vector<metrics::Snapshot>> group_metric_families(kafka::Broker& broker, bool public_names);

}  // namespace runnel::app
