// OffsetForLeaderEpoch: one node has had one leader epoch, 0, for every
// partition, so the end of epoch 0 (and of any later epoch a client names)
// is the log end; a client that thinks the leader is in another epoch is
// told it is fenced (older) or ahead of us (newer), as Kafka does.
#include "kafka/handlers/handlers.h"
#include "kafka/partition_fanout.h"
#include "protocol/kafka/generated/offset_for_leader_epoch.h"

namespace runnel::kafka {

namespace {

constexpr int32_t kLeaderEpoch = 0;

struct EpochLookup {
  std::string topic;
  int32_t partition;
  int32_t leader_epoch;
  OffsetForLeaderEpochResponse::EpochEndOffset* answer;
};

}  // namespace

Task<HandlerResult> handle_offset_for_leader_epoch(RequestContext& ctx, std::span<uint8_t> body) {
  OffsetForLeaderEpochRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  OffsetForLeaderEpochResponse response;
  std::vector<EpochLookup> lookups;
  size_t count = 0;
  for (const auto& t : request.topics) count += t.partitions.size();
  lookups.reserve(count);
  // Lookups keep pointers to the answers: reserve so they never move.
  response.topics.reserve(request.topics.size());
  for (const auto& t : request.topics) {
    auto& topic_answer = response.topics.emplace_back();
    topic_answer.partitions.reserve(t.partitions.size());
    topic_answer.topic = t.topic;
    const TopicImage* topic = image->find(t.topic);
    for (const auto& p : t.partitions) {
      auto& answer = topic_answer.partitions.emplace_back();
      answer.partition = p.partition;
      if (topic == nullptr || p.partition < 0 || p.partition >= topic->partitions) {
        answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
      } else if (p.current_leader_epoch > kLeaderEpoch) {
        answer.error_code = code(ErrorCode::kUnknownLeaderEpoch);
      } else if (p.current_leader_epoch >= 0 && p.current_leader_epoch < kLeaderEpoch) {
        answer.error_code = code(ErrorCode::kFencedLeaderEpoch);
      } else if (p.leader_epoch < kLeaderEpoch) {
        // An epoch before any this log has: undefined, as Kafka answers.
        answer.leader_epoch = -1;
        answer.end_offset = -1;
      } else {
        lookups.push_back(EpochLookup{t.topic, p.partition, p.leader_epoch, &answer});
      }
    }
  }
  auto look_up = [](ShardState& shard, EpochLookup& l) {
    Partition* partition = shard.find(l.topic, l.partition);
    if (partition == nullptr) {
      l.answer->error_code = code(ErrorCode::kUnknownTopicOrPartition);
      return;
    }
    l.answer->leader_epoch = kLeaderEpoch;
    l.answer->end_offset = partition->log().end_offset();
  };
  co_await on_partition_owners<EpochLookup>(broker, lookups,look_up);
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
