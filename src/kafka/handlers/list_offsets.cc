// ListOffsets: earliest (-2), latest (-1), max timestamp (-3), earliest
// local (-4, the same as earliest without tiered storage) and lookup by
// time, each answered on the shard that owns the partition.
#include <unistd.h>

#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "kafka/partition_fanout.h"
#include "protocol/compression.h"
#include "protocol/kafka/generated/list_offsets.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"

namespace runnel::kafka {

namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
constexpr int64_t kMaxTimestamp = -3;
constexpr int64_t kEarliestLocal = -4;
constexpr int64_t kEarliestPendingUpload = -5;

struct Lookup {
  std::string topic;
  int32_t partition;
  int64_t timestamp;
  ListOffsetsResponse::ListOffsetsPartitionResponse* answer;
};

// The timestamp of the record at `offset`, which the caller found by time:
// Kafka answers with the record's own timestamp, not the one asked for.
int64_t record_timestamp(storage::Log& log, int64_t offset) {
  auto range = log.read(offset, 1);
  if (!range.ok() || range->length == 0) return -1;
  std::vector<uint8_t> bytes;
  if (!storage::copy_range(*range, &bytes).ok()) return -1;
  for (RecordBatchIterator it(bytes); auto batch = it.next();) {
    if (offset < batch->base_offset() || offset > batch->last_offset()) continue;
    if (batch->timestamp_type() == TimestampType::kLogAppendTime) return batch->max_timestamp();
    std::vector<uint8_t> inflated;
    std::span<const uint8_t> payload = batch->records_payload();
    if (batch->compression() != CompressionType::kNone) {
      auto out = decompress(batch->compression(), payload, 64u << 20);
      if (!out.ok()) return batch->max_timestamp();
      inflated = std::move(*out);
      payload = inflated;
    }
    int64_t found = batch->max_timestamp();
    (void)for_each_record(payload, batch->record_count(), [&](const RecordView& r) {
      if (batch->base_offset() + r.offset_delta != offset) return true;
      found = batch->base_timestamp() + r.timestamp_delta;
      return false;
    });
    return found;
  }
  return -1;
}

void answer_one(Partition& partition, int64_t timestamp,
                ListOffsetsResponse::ListOffsetsPartitionResponse& answer) {
  storage::Log& log = partition.log();
  answer.leader_epoch = 0;
  switch (timestamp) {
    case kLatest:
      answer.offset = partition.high_watermark();
      return;
    case kEarliest:
    case kEarliestLocal:
      answer.offset = partition.log_start_offset();
      return;
    case kEarliestPendingUpload:
      // Nothing is ever pending upload without tiered storage.
      answer.offset = -1;
      answer.leader_epoch = -1;
      return;
    case kMaxTimestamp: {
      int64_t max_ts = -1;
      for (size_t i = 0; i < log.segment_count(); ++i)
        max_ts = std::max(max_ts, log.segment(i).max_timestamp());
      if (max_ts < 0) {
        answer.offset = -1;
        answer.leader_epoch = -1;
        return;
      }
      auto found = log.offset_for_timestamp(max_ts);
      if (!found.ok()) {
        answer.error_code = code(ErrorCode::kKafkaStorageError);
        return;
      }
      answer.offset = found->value_or(-1);
      answer.timestamp = answer.offset >= 0 ? max_ts : -1;
      return;
    }
    default:
      break;
  }
  if (timestamp < 0) {
    answer.error_code = code(ErrorCode::kInvalidRequest);
    return;
  }
  auto found = log.offset_for_timestamp(timestamp);
  if (!found.ok()) {
    answer.error_code = code(ErrorCode::kKafkaStorageError);
    return;
  }
  if (!found->has_value()) {
    answer.offset = -1;
    answer.leader_epoch = -1;
    return;
  }
  answer.offset = **found;
  answer.timestamp = record_timestamp(log, answer.offset);
}

}  // namespace

Task<HandlerResult> handle_list_offsets(RequestContext& ctx, std::span<uint8_t> body) {
  ListOffsetsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  ListOffsetsResponse response;
  std::vector<Lookup> lookups;
  size_t count = 0;
  for (const auto& t : request.topics) count += t.partitions.size();
  lookups.reserve(count);
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
      if (topic == nullptr || p.partition_index < 0 || p.partition_index >= topic->partitions) {
        answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      lookups.push_back(Lookup{t.name, p.partition_index, p.timestamp, &answer});
    }
  }
  auto look_up = [](ShardState& shard, Lookup& l) {
    Partition* partition = shard.find(l.topic, l.partition);
    if (partition == nullptr) {
      l.answer->error_code = code(ErrorCode::kUnknownTopicOrPartition);
      return;
    }
    answer_one(*partition, l.timestamp, *l.answer);
  };
  co_await on_partition_owners<Lookup>(broker, lookups, look_up);
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
