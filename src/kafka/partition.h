// Partition: one topic partition as the Kafka API sees it, owned by one
// shard. It validates produced batches, enforces idempotent-producer
// sequences, appends through the storage log, waits for durability when
// acks=all needs it, and wakes fetches that long-poll for new data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/shards.h"
#include "base/uuid.h"
#include "kafka/error_code.h"
#include "kafka/producer_state.h"
#include "metrics/catalog.h"
#include "protocol/compression.h"
#include "storage/flusher.h"
#include "storage/log.h"

namespace runnel::kafka {

// What a topic's configs mean to the produce path.
struct ProducePolicy {
  size_t max_message_bytes = 1048588;
  bool log_append_time = false;
  bool compacted = false;  // records must carry keys
  // compression.type: nullopt keeps the producer's codec ("producer").
  std::optional<CompressionType> compression;
  int32_t min_insync_replicas = 1;
};

struct AppendOutcome {
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // for the error_message field
  int64_t base_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

class Partition {
 public:
  Partition(std::string topic, int32_t index, Uuid topic_id, storage::Log& log, storage::Flusher& flusher,
            ProducePolicy policy);

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  const Uuid& topic_id() const { return topic_id_; }
  storage::Log& log() { return log_; }
  const ProducePolicy& policy() const { return policy_; }
  // The partition's metric cells (records and bytes in and out, high
  // watermark). Shared so a fetch can count what it sent on its own shard.
  const std::shared_ptr<metrics::PartitionCells>& metric_cells() const { return cells_; }
  void set_policy(const ProducePolicy& policy) { policy_ = policy; }

  // Validates and appends the records of one produce request (they are
  // edited in place: offsets, append time). `needs_flush` tells the caller
  // that acks=-1 must wait for flush_logs() before answering; otherwise a
  // background flush is started when flush.ms/flush.bytes say one is due.
  AppendOutcome append(std::span<uint8_t> records, int16_t acks, bool* needs_flush);

  // Idempotent producers' sequence state (DescribeProducers reads it).
  const ProducerStateTable& producers() const { return producers_; }
  // Start-up: loads the producer-state snapshot and replays the log past it,
  // so de-duplication survives restarts and crashes.
  Status restore_producer_state();
  // Writes the snapshot when the state changed since the last one.
  Status snapshot_producer_state();
  // Drops producers idle past producer.id.expiration.ms.
  void expire_producers(int64_t now_ms, int64_t expiration_ms);

  // On one node every appended record is committed: the high watermark is
  // the log end offset.
  int64_t high_watermark() const { return log_.end_offset(); }
  int64_t log_start_offset() const { return log_.log_start_offset(); }

  // Long poll: `wake` runs (on this partition's shard) the next time data
  // is appended. One-shot; callers that gave up are pruned with `alive`.
  void on_next_append(std::function<bool()> alive, std::function<void()> wake);
  // Wakes every waiting fetch now (shutdown, so long polls end early).
  void wake_waiters();

 private:
  std::string snapshot_path() const;

  std::string topic_;
  int32_t index_;
  Uuid topic_id_;
  storage::Log& log_;
  storage::Flusher& flusher_;
  ProducePolicy policy_;
  ProducerStateTable producers_;
  bool producers_dirty_ = false;
  std::shared_ptr<metrics::PartitionCells> cells_;
  struct Waiter {
    std::function<bool()> alive;
    std::function<void()> wake;
  };
  std::vector<Waiter> waiters_;
};

// Starts a flush of every log at once (so the flusher can serve them in one
// group commit) and completes when all have finished, with each log's status
// in order. Runs on the logs' owner shard.
Task<std::vector<Status>> flush_logs(std::vector<storage::Log*> logs, storage::Flusher& flusher);

}  // namespace runnel::kafka
