// Reads of consumer groups from any shard: each group is asked on the shard
// that owns it (its GroupCoordinator), so callers — the Kafka admin
// handlers, the admin HTTP API, the metrics — see the live state.
#pragma once

#include <string>
#include <vector>

#include "base/shards.h"
#include "kafka/group/group_coordinator.h"

namespace runnel::kafka {

class Broker;

// The group as DescribeGroups shows it; state "Dead" when it does not exist.
Task<GroupSummary> describe_group(Broker& broker, const std::string& group);
// Every group the node knows (live, or with stored offsets or metadata),
// ordered by group id.
Task<std::vector<GroupSummary>> list_groups(Broker& broker);

}  // namespace runnel::kafka
