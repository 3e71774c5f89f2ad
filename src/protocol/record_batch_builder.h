// RecordBatchBuilder: writes a valid v2 record batch (lengths, offsets,
// timestamps, CRC32C, optional compression). Used by tests, the CLI and the
// broker's internal topics; produce traffic is never rebuilt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "protocol/compression.h"
#include "protocol/record_batch.h"

namespace runnel {

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
};

class RecordBatchBuilder {
 public:
  RecordBatchBuilder& base_offset(int64_t offset) {
    base_offset_ = offset;
    return *this;
  }
  RecordBatchBuilder& partition_leader_epoch(int32_t epoch) {
    leader_epoch_ = epoch;
    return *this;
  }
  RecordBatchBuilder& producer(int64_t id, int16_t epoch, int32_t base_sequence) {
    producer_id_ = id;
    producer_epoch_ = epoch;
    base_sequence_ = base_sequence;
    return *this;
  }
  RecordBatchBuilder& transactional(bool on) {
    transactional_ = on;
    return *this;
  }
  RecordBatchBuilder& control(bool on) {
    control_ = on;
    return *this;
  }
  RecordBatchBuilder& compression(CompressionType type) {
    compression_ = type;
    return *this;
  }
  RecordBatchBuilder& timestamp_type(TimestampType type) {
    timestamp_type_ = type;
    return *this;
  }

  // Appends a record; offsets are consecutive. Keys and values are bytes
  // (string_view is used for convenience, not as text); nullopt is null.
  RecordBatchBuilder& add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                          int64_t timestamp_ms, std::vector<RecordHeader> headers = {});

  // Appends a record at an explicit offset delta, for rebuilding a batch
  // whose records were thinned out by compaction (deltas keep their gaps).
  // Deltas must increase.
  RecordBatchBuilder& add_at(int32_t offset_delta, std::optional<std::string_view> key,
                             std::optional<std::string_view> value, int64_t timestamp_ms,
                             std::vector<RecordHeader> headers = {});
  // Keeps the original batch's last offset delta (and so its offset range),
  // instead of the last record's.
  RecordBatchBuilder& last_offset_delta(int32_t delta) {
    last_offset_delta_ = delta;
    return *this;
  }
  // The original batch's base timestamp, which record timestamp deltas are relative to.
  RecordBatchBuilder& base_timestamp(int64_t ts) {
    base_timestamp_ = ts;
    return *this;
  }

  // Overrides the max timestamp computed from the records (LogAppendTime
  // batches carry the broker's time there).
  RecordBatchBuilder& max_timestamp(int64_t ts) {
    max_timestamp_ = ts;
    return *this;
  }

  size_t record_count() const { return records_.size(); }

  // The finished batch. Fails (kTooLarge) if a field or the batch does not
  // fit Kafka's int32 lengths, or if compression fails.
  Result<std::vector<uint8_t>> build() const;

 private:
  struct PendingRecord {
    int32_t offset_delta;
    std::optional<std::string> key;
    std::optional<std::string> value;
    int64_t timestamp_ms;
    std::vector<RecordHeader> headers;
  };

  int64_t base_offset_ = 0;
  int32_t leader_epoch_ = -1;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  bool transactional_ = false;
  bool control_ = false;
  CompressionType compression_ = CompressionType::kNone;
  TimestampType timestamp_type_ = TimestampType::kCreateTime;
  std::optional<int32_t> last_offset_delta_;
  std::optional<int64_t> base_timestamp_;
  std::optional<int64_t> max_timestamp_;
  std::vector<PendingRecord> records_;
};

}  // namespace runnel
