// Partition: one topic partition as the Kafka API sees it, owned by one
// shard. It validates produced batches, enforces idempotent-producer
// sequences, appends through the storage log, waits for durability when
// acks=all needs it, and wakes fetches that long-poll for new data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/shards.h"
#include "base/uuid.h"
#include "kafka/error_code.h"
#include "storage/flusher.h"
#include "storage/log.h"

namespace runnel::kafka {

// What a topic's configs mean to the produce path.
struct ProducePolicy {
  size_t max_message_bytes = 1048588;
  bool log_append_time = false;
  bool compacted = false;        // records must carry keys
  int32_t min_insync_replicas = 1;
};

struct AppendOutcome {
  ErrorCode error = ErrorCode::kNone;
  std::string message;           // for the error_message field
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
  void set_policy(const ProducePolicy& policy) { policy_ = policy; }

  // Validates and appends the records of one produce request (they are
  // edited in place: offsets, append time). With acks=-1 returns once the
  // data is durable (or write caching says it need not wait).
  Task<AppendOutcome> produce(std::span<uint8_t> records, int16_t acks);

  // On one node every appended record is committed: the high watermark is
  // the log end offset.
  int64_t high_watermark() const { return log_.end_offset(); }
  int64_t log_start_offset() const { return log_.log_start_offset(); }

  // Long poll: `wake` runs (on this partition's shard) the next time data
  // is appended. One-shot; callers that gave up are pruned with `alive`.
  void on_next_append(std::function<bool()> alive, std::function<void()> wake);

 private:
  void wake_waiters();

  std::string topic_;
  int32_t index_;
  Uuid topic_id_;
  storage::Log& log_;
  storage::Flusher& flusher_;
  ProducePolicy policy_;
  struct Waiter {
    std::function<bool()> alive;
    std::function<void()> wake;
  };
  std::vector<Waiter> waiters_;
};

// Awaits Log::flush_async on the log's owner shard.
Task<Status> flush_log(storage::Log& log, storage::Flusher& flusher);

}  // namespace runnel::kafka
