#include "kafka/group/offsets_topic.h"

#include "base/logging.h"
#include "kafka/broker.h"
#include "kafka/topic_controller.h"

namespace runnel::kafka {

int32_t offsets_partition_for(std::string_view group, int32_t partitions) {
  uint32_t hash = 0;
  for (char c : group) hash = hash * 31 + static_cast<uint8_t>(c);
  return static_cast<int32_t>((hash & 0x7fffffffu) % static_cast<uint32_t>(partitions > 0 ? partitions : 1));
}

Task<ErrorCode> ensure_offsets_topic(Broker& broker) {
  if (broker.metadata().find(std::string(kOffsetsTopic)) != nullptr) co_return ErrorCode::kNone;
  TopicSpec spec;
  spec.name = std::string(kOffsetsTopic);
  spec.partitions = static_cast<int32_t>(broker.setting_int("offsets.topic.num.partitions"));
  spec.replication_factor = 1;
  spec.configs = {{"cleanup.policy", "compact"},
                  {"segment.bytes", broker.setting("offsets.topic.segment.bytes")}};
  auto create = [spec](TopicController& c) { return c.create(spec, /*validate_only=*/false); };
  TopicOutcome outcome = co_await broker.on_controller<TopicOutcome>(create);
  if (outcome.error == ErrorCode::kNone || outcome.error == ErrorCode::kTopicAlreadyExists)
    co_return ErrorCode::kNone;
  log::kafka().error("runnel: creating {} failed: {}", kOffsetsTopic, outcome.message);
  co_return ErrorCode::kCoordinatorNotAvailable;
}

}  // namespace runnel::kafka
