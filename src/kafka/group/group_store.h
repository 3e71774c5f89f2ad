// Where a group's durable state lives and how it changes: the shard and
// __consumer_offsets partition that serve a group, and the one way to
// change that state — append records to the partition, wait until they are
// durable, then apply them to the shard's CommittedOffsets. The handlers of
// every group API go through here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/shards.h"
#include "kafka/error_code.h"
#include "kafka/group/offsets_records.h"

namespace runnel::kafka {

class Broker;
class CommittedOffsets;

struct GroupHome {
  int32_t partition = -1;  // of __consumer_offsets
  unsigned shard = 0;      // the shard that owns that partition
};

// Needs __consumer_offsets to exist (ensure_offsets_topic).
GroupHome home_of(Broker& broker, const std::string& group);

// On the shard that owns `partition`: appends the records as one batch,
// waits for it to be durable, then applies them. kNotCoordinator when this
// shard does not hold the partition.
Task<ErrorCode> write_group_records(Broker& broker, int32_t partition, const std::vector<OffsetsRecord>& records);

// On the shard that owns `partition`: that partition's state, or nullptr.
CommittedOffsets* local_group_state(Broker& broker, int32_t partition);

}  // namespace runnel::kafka
