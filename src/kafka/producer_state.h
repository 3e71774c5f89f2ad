// ProducerStateTable: one partition's idempotent-producer state (KIP-98, with
// the KIP-360 rules of Kafka 2.5 and later): per producer id its epoch and its
// last five batches, so a retried batch is answered with its original offsets
// instead of being appended twice, and a gap in the sequence is refused.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace runnel::kafka {

// Kafka clients keep at most five requests in flight per partition when
// idempotence is on, so five batches cover every retry a client can make.
inline constexpr size_t kProducerBatchesRetained = 5;
// producer.id.expiration.ms's default (one day).
inline constexpr int64_t kDefaultProducerIdExpirationMs = 86400000;

// One batch of an idempotent producer as it landed in the log.
struct ProducerBatchInfo {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t max_timestamp = -1;  // the batch's max timestamp, or its log append time
};

enum class SequenceVerdict {
  kAppend,                // in sequence (or a producer this partition has no state for): append it
  kDuplicate,             // one of the producer's last five batches again: answer with its offsets
  kOutOfOrderSequence,    // a gap, an older batch than the last five, or a new epoch not starting at 0
  kInvalidProducerEpoch,  // an epoch below the producer's current one (a zombie)
  // Pre-2.5 brokers' answer for a producer without state and a sequence other
  // than 0. check() never returns it: since KIP-360 such a producer is
  // accepted at any sequence (its state may have expired, or its records
  // been deleted), and an error would make the client reset its sequence and
  // re-send, which is how duplicates arise. Kept so callers map every value.
  kUnknownProducerId,
};

struct SequenceCheck {
  SequenceVerdict verdict = SequenceVerdict::kAppend;
  // kDuplicate only: the original batch's offsets and timestamp.
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t timestamp = -1;
};

// Not thread-safe: owned by the partition's shard, like the partition.
class ProducerStateTable {
 public:
  // What DescribeProducers reports of one producer.
  struct ProducerView {
    int64_t producer_id;
    int16_t epoch;
    int32_t last_sequence;
    int64_t last_timestamp;  // the last batch's max timestamp (or append time)
    int64_t last_update_ms;  // the broker's clock when it last recorded a batch
  };

  // The verdict on a batch before it is appended. Kafka's order: a duplicate
  // of one of the last five batches (same epoch, same first and last
  // sequence) first; then an epoch below the current one; then a new epoch
  // must start at sequence 0; then the first sequence must follow the last
  // one (INT32_MAX wraps to 0). A producer without state is accepted at any
  // sequence and epoch. A negative base_sequence or a record_count below 1
  // fits no sequence and is out of order.
  SequenceCheck check(int64_t producer_id, int16_t epoch, int32_t base_sequence, int32_t record_count) const;

  // Records a batch once it is in the log, without judging it: the log is
  // the authority, so this also rebuilds state by replaying the log in
  // offset order (a different epoch replaces the producer's epoch and
  // window). A batch at or below the producer's last recorded offset is
  // already known and ignored, so replaying a range twice is harmless; one
  // without a producer id, or with a negative sequence or no records, is
  // not an idempotent batch and is ignored too.
  // `now_ms` is the broker's clock; last_update_ms never moves backwards.
  void record(const ProducerBatchInfo& batch, int64_t now_ms);

  // Forgets producers whose last update is `expiration_ms` or more before
  // now_ms (producer.id.expiration.ms). Idleness is judged by the broker's
  // clock, not by the records' own timestamps as Kafka does: CreateTime is
  // the client's to choose, and a producer stamping old times would
  // otherwise lose its de-duplication right after every append.
  void expire(int64_t now_ms, int64_t expiration_ms);

  // Every producer, ordered by id.
  std::vector<ProducerView> producers() const;
  size_t size() const { return producers_.size(); }

  // Writes the state as of log end offset `offset` to `path` atomically
  // (a temporary file, fdatasync, rename, directory fsync). The file carries
  // a CRC32C over its content.
  Status save_snapshot(const std::string& path, int64_t offset) const;
  // The state and its offset. A missing file is kIo; a truncated, corrupt
  // or unknown-version file is an error too, never a partial table: the
  // caller then starts empty and rebuilds from the log. A snapshot whose
  // offset is past the log's end (its tail was lost in a crash) describes
  // batches that no longer exist; the caller must discard it.
  static Result<std::pair<ProducerStateTable, int64_t>> load_snapshot(const std::string& path);

 private:
  struct Batch {
    int32_t first_sequence;
    int32_t last_sequence;
    int64_t first_offset;
    int64_t last_offset;
    int64_t timestamp;
  };
  struct Producer {
    int16_t epoch = -1;
    // Oldest first; only the first `count` are valid.
    std::array<Batch, kProducerBatchesRetained> batches{};
    uint8_t count = 0;
    int64_t last_timestamp = -1;
    int64_t last_update_ms = -1;

    const Batch& last() const { return batches[count - 1]; }
    void push(const Batch& batch);
  };

  // Every Producer in the map holds at least one batch.
  std::unordered_map<int64_t, Producer> producers_;
};

}  // namespace runnel::kafka
