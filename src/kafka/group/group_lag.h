// Consumer lag: how far each group's committed offsets trail the high
// watermarks of the partitions they are for. The one place lag is computed;
// the admin API, the metrics and anything else that reports lag read it here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/shards.h"

namespace runnel::kafka {

class Broker;

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;       // the group's committed offset
  int64_t high_watermark = -1;  // -1 when the partition no longer exists
  // high_watermark - committed, never negative (a commit past the end, as
  // after a truncation, counts as caught up); 0 for a partition that is gone.
  int64_t lag = 0;
};

struct GroupLag {
  std::string group;
  std::vector<PartitionLag> partitions;  // by topic, then partition
  int64_t total() const;
  int64_t max() const;
};

// One group's lag (no partitions when it has no committed offsets).
Task<GroupLag> group_lag(Broker& broker, std::string group);
// Every group with committed offsets, ordered by group id.
Task<std::vector<GroupLag>> all_group_lag(Broker& broker);

}  // namespace runnel::kafka
