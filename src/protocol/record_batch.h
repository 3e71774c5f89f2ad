// Kafka v2 record batches (magic 2): a view over a batch's bytes that exposes
// the 61-byte header without decoding records, full validation (lengths,
// magic, CRC32C, records), splitting back-to-back batches, and the in-place
// edits a broker makes to a batch it owns (offsets, leader epoch, append time).
// Views borrow their bytes; they must not outlive them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "protocol/compression.h"

namespace runnel {

inline constexpr size_t kRecordBatchHeaderSize = 61;
// Bytes before (and not counted by) the batch length field.
inline constexpr size_t kRecordBatchLogOverhead = 12;
inline constexpr int8_t kRecordBatchMagic = 2;

enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

// Byte offsets of header fields, for in-place edits.
namespace batch_field {
inline constexpr size_t kBaseOffset = 0;
inline constexpr size_t kBatchLength = 8;
inline constexpr size_t kPartitionLeaderEpoch = 12;
inline constexpr size_t kMagic = 16;
inline constexpr size_t kCrc = 17;
inline constexpr size_t kAttributes = 21;  // the CRC covers from here to the end
inline constexpr size_t kLastOffsetDelta = 23;
inline constexpr size_t kBaseTimestamp = 27;
inline constexpr size_t kMaxTimestamp = 35;
inline constexpr size_t kProducerId = 43;
inline constexpr size_t kProducerEpoch = 51;
inline constexpr size_t kBaseSequence = 53;
inline constexpr size_t kRecordCount = 57;
}  // namespace batch_field

struct BatchValidation {
  // Largest acceptable batch, header included (max.message.bytes).
  size_t max_batch_bytes = 1 << 30;
  // Producer input must number its records 0, 1, 2 ... with
  // last_offset_delta == count - 1; stored (compacted) batches may have gaps.
  bool require_consecutive_offsets = true;
  // Walk the records of uncompressed batches. Compressed records are only
  // checked by validate_records() on decompressed bytes.
  bool check_records = true;
};

class RecordBatchView {
 public:
  // Frames the batch at the start of `bytes`: checks the length fields and
  // magic (never the CRC). The view covers exactly the batch.
  //   kTruncated        fewer bytes than the header or the batch length says
  //   kUnsupportedMagic magic 0/1 message sets (or an unknown magic)
  //   kInvalidValue     a batch length too small to hold a header
  //   kTooLarge         a batch above max_batch_bytes
  static Result<RecordBatchView> parse(std::span<const uint8_t> bytes, size_t max_batch_bytes = 1 << 30);

  // Header consistency, CRC32C (kCorrupt), and for uncompressed batches every
  // record (see RecordIterator).
  Status validate(const BatchValidation& rules = {}) const;
  bool crc_matches() const;
  uint32_t compute_crc() const;

  int64_t base_offset() const { return i64(batch_field::kBaseOffset); }
  int32_t batch_length() const { return i32(batch_field::kBatchLength); }
  int32_t partition_leader_epoch() const { return i32(batch_field::kPartitionLeaderEpoch); }
  int8_t magic() const { return static_cast<int8_t>(bytes_[batch_field::kMagic]); }
  uint32_t crc() const { return static_cast<uint32_t>(i32(batch_field::kCrc)); }
  int16_t attributes() const { return i16(batch_field::kAttributes); }
  int32_t last_offset_delta() const { return i32(batch_field::kLastOffsetDelta); }
  int64_t base_timestamp() const { return i64(batch_field::kBaseTimestamp); }
  int64_t max_timestamp() const { return i64(batch_field::kMaxTimestamp); }
  int64_t producer_id() const { return i64(batch_field::kProducerId); }
  int16_t producer_epoch() const { return i16(batch_field::kProducerEpoch); }
  int32_t base_sequence() const { return i32(batch_field::kBaseSequence); }
  int32_t record_count() const { return i32(batch_field::kRecordCount); }

  // Computed with wrap-around: a client may send any base offset, and signed
  // overflow would be undefined behaviour. Offsets the broker assigned never wrap.
  int64_t last_offset() const {
    return static_cast<int64_t>(static_cast<uint64_t>(base_offset()) +
                                static_cast<uint64_t>(last_offset_delta()));
  }
  int64_t next_offset() const { return static_cast<int64_t>(static_cast<uint64_t>(last_offset()) + 1); }
  CompressionType compression() const { return static_cast<CompressionType>(attributes() & 0x7); }
  TimestampType timestamp_type() const {
    return (attributes() & 0x8) ? TimestampType::kLogAppendTime : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return (attributes() & 0x10) != 0; }
  bool is_control() const { return (attributes() & 0x20) != 0; }
  bool has_delete_horizon() const { return (attributes() & 0x40) != 0; }
  bool is_idempotent() const { return producer_id() >= 0; }

  // The whole batch, and the records after the header (compressed or not).
  std::span<const uint8_t> bytes() const { return bytes_; }
  size_t size_bytes() const { return bytes_.size(); }
  std::span<const uint8_t> records_payload() const { return bytes_.subspan(kRecordBatchHeaderSize); }

 private:
  explicit RecordBatchView(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  int16_t i16(size_t at) const;
  int32_t i32(size_t at) const;
  int64_t i64(size_t at) const;

  std::span<const uint8_t> bytes_;
};

// Checks `count` records in a records payload (for compressed batches: the
// decompressed bytes): each record well formed, offset deltas increasing and
// within last_offset_delta (consecutive from 0 when required), nothing left over.
Status validate_records(std::span<const uint8_t> payload, int32_t count, int32_t last_offset_delta,
                        bool require_consecutive_offsets);

// Walks a byte range holding batches back to back (a Produce request's records,
// a log segment). A partial trailing batch is kTruncated.
class RecordBatchIterator {
 public:
  explicit RecordBatchIterator(std::span<const uint8_t> bytes, size_t max_batch_bytes = 1 << 30)
      : rest_(bytes), max_batch_bytes_(max_batch_bytes) {}

  // The next batch; nullopt at the end or on error, and status() tells which.
  std::optional<RecordBatchView> next();
  const Status& status() const { return status_; }
  // Bytes not yet consumed (e.g. the torn tail after an error).
  size_t remaining() const { return rest_.size(); }

 private:
  std::span<const uint8_t> rest_;
  size_t max_batch_bytes_;
  Status status_;
};

// Splits `bytes` into its back-to-back batches, all or nothing: the first
// batch that fails to frame (a partial tail is kTruncated) fails the whole
// split. Only framing is checked; call validate() on each view.
Result<std::vector<RecordBatchView>> split_record_batches(std::span<const uint8_t> bytes,
                                                          size_t max_batch_bytes = 1 << 30);

// In-place edits on a batch the caller owns: `batch` must span one whole batch
// that RecordBatchView::parse accepted. Base offset and leader epoch lie
// outside the CRC; the timestamp edit is inside it and recomputes the CRC.
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
void set_max_timestamp(std::span<uint8_t> batch, TimestampType type, int64_t max_timestamp);
void rewrite_crc(std::span<uint8_t> batch);

}  // namespace runnel
