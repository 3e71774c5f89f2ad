// DeleteRecords: moves each partition's log start offset forward (-1 means
// the high watermark) on the shard that owns it.
#include "kafka/handlers/handlers.h"
#include "kafka/partition_fanout.h"
#include "protocol/kafka/generated/delete_records.h"

namespace runnel::kafka {

namespace {

struct Truncation {
  std::string topic;
  int32_t partition;
  int64_t offset;
  DeleteRecordsResponse::DeleteRecordsPartitionResult* answer;
};

}  // namespace

Task<HandlerResult> handle_delete_records(RequestContext& ctx, std::span<uint8_t> body) {
  DeleteRecordsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  DeleteRecordsResponse response;
  std::vector<Truncation> work;
  size_t count = 0;
  for (const auto& t : request.topics) count += t.partitions.size();
  work.reserve(count);
  // Lookups keep pointers to the answers: reserve so they never move.
  response.topics.reserve(request.topics.size());
  for (const auto& t : request.topics) {
    auto& topic_answer = response.topics.emplace_back();
    topic_answer.partitions.reserve(t.partitions.size());
    topic_answer.name = t.name;
    const TopicImage* topic = image->find(t.name);
    for (const auto& p : t.partitions) {
      auto& answer = topic_answer.partitions.emplace_back();
      answer.partition_index = p.partition_index;
      answer.low_watermark = -1;
      if (topic == nullptr || p.partition_index < 0 || p.partition_index >= topic->partitions) {
        answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
      } else if (p.offset < -1) {
        answer.error_code = code(ErrorCode::kOffsetOutOfRange);
      } else {
        work.push_back(Truncation{t.name, p.partition_index, p.offset, &answer});
      }
    }
  }
  auto truncate = [](ShardState& shard, Truncation& w) {
    Partition* partition = shard.find(w.topic, w.partition);
    if (partition == nullptr) {
      w.answer->error_code = code(ErrorCode::kUnknownTopicOrPartition);
      return;
    }
    int64_t target = w.offset == -1 ? partition->high_watermark() : w.offset;
    if (target > partition->high_watermark()) {
      w.answer->error_code = code(ErrorCode::kOffsetOutOfRange);
      return;
    }
    if (Status s = partition->log().delete_records_before(target); !s.ok()) {
      w.answer->error_code = code(ErrorCode::kKafkaStorageError);
      return;
    }
    w.answer->low_watermark = partition->log_start_offset();
  };
  co_await on_partition_owners<Truncation>(broker, work,truncate);
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
