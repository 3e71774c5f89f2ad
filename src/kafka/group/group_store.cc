#include "kafka/group/group_store.h"

#include <chrono>

#include "kafka/broker.h"
#include "kafka/group/offsets_topic.h"
#include "protocol/record_batch_builder.h"

namespace runnel::kafka {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view as_text(const std::vector<uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

GroupHome home_of(Broker& broker, const std::string& group) {
  const TopicImage* topic = broker.metadata().find(std::string(kOffsetsTopic));
  GroupHome home;
  home.partition = offsets_partition_for(group, topic ? topic->partitions : 1);
  home.shard = broker.shard_of(kOffsetsTopic, home.partition);
  return home;
}

CommittedOffsets* local_group_state(Broker& broker, int32_t partition) {
  auto& all = broker.local().group_offsets;
  auto it = all.find(partition);
  return it == all.end() ? nullptr : &it->second;
}

Task<ErrorCode> write_group_records(Broker& broker, int32_t partition, const std::vector<OffsetsRecord>& records) {
  ShardState& shard = broker.local();
  Partition* log_partition = shard.find(std::string(kOffsetsTopic), partition);
  CommittedOffsets* state = local_group_state(broker, partition);
  if (log_partition == nullptr || state == nullptr) co_return ErrorCode::kNotCoordinator;
  if (records.empty()) co_return ErrorCode::kNone;

  std::vector<std::vector<uint8_t>> keys, values;
  for (const OffsetsRecord& r : records) {
    if (r.kind == OffsetsRecord::Kind::kOffsetCommit) {
      keys.push_back(encode_offsets_key(r.offset_key));
      values.push_back(r.offset_value ? encode_offsets_value(*r.offset_value) : std::vector<uint8_t>{});
    } else {
      keys.push_back(encode_offsets_key(r.group_key));
      values.push_back(r.group_value ? encode_offsets_value(*r.group_value) : std::vector<uint8_t>{});
    }
  }
  RecordBatchBuilder builder;
  const int64_t now = now_ms();
  for (size_t i = 0; i < records.size(); ++i) {
    const bool tombstone = records[i].kind == OffsetsRecord::Kind::kOffsetCommit ? !records[i].offset_value
                                                                                 : !records[i].group_value;
    builder.add(as_text(keys[i]), tombstone ? std::nullopt : std::optional<std::string_view>(as_text(values[i])), now);
  }
  auto batch = builder.build();
  if (!batch.ok()) co_return ErrorCode::kUnknownServerError;
  bool needs_flush = false;
  AppendOutcome appended = log_partition->append(*batch, -1, &needs_flush);
  if (appended.error != ErrorCode::kNone) co_return appended.error;
  if (needs_flush) {
    std::vector<storage::Log*> logs{&log_partition->log()};
    std::vector<Status> synced = co_await flush_logs(std::move(logs), *shard.flusher);
    if (!synced.empty() && !synced.front().ok()) co_return ErrorCode::kKafkaStorageError;
  }
  // The shard's state may have gone while the flush ran (topic deleted).
  state = local_group_state(broker, partition);
  if (state == nullptr) co_return ErrorCode::kNotCoordinator;
  for (const OffsetsRecord& r : records) state->apply(r);
  co_return ErrorCode::kNone;
}

}  // namespace runnel::kafka
