#include "protocol/record_batch.h"

#include <cstring>

#include "base/big_endian.h"
#include "base/crc32c.h"
#include "protocol/record.h"

namespace runnel {

int16_t RecordBatchView::i16(size_t at) const {
  return static_cast<int16_t>(load_u16(&bytes_[at]));
}
int32_t RecordBatchView::i32(size_t at) const {
  return static_cast<int32_t>(load_u32(&bytes_[at]));
}
int64_t RecordBatchView::i64(size_t at) const {
  return static_cast<int64_t>(load_u64(&bytes_[at]));
}

Result<RecordBatchView> RecordBatchView::parse(std::span<const uint8_t> bytes, size_t max_batch_bytes) {
  // Magic sits at byte 16 in every message format, so look at it first: a
  // v0/v1 message set gets a clear answer rather than a confusing length error.
  if (bytes.size() <= batch_field::kMagic) return Status(Errc::kTruncated, "record batch header cut short");
  int8_t magic = static_cast<int8_t>(bytes[batch_field::kMagic]);
  if (magic != kRecordBatchMagic) {
    return Status(Errc::kUnsupportedMagic,
                  magic == 0 || magic == 1 ? "message format v0/v1 is not supported; produce record batch v2"
                                           : "unknown record batch magic");
  }
  if (bytes.size() < kRecordBatchHeaderSize) return Status(Errc::kTruncated, "record batch header cut short");
  int32_t length = static_cast<int32_t>(load_u32(&bytes[batch_field::kBatchLength]));
  if (length < static_cast<int32_t>(kRecordBatchHeaderSize - kRecordBatchLogOverhead)) {
    return Status(Errc::kInvalidValue, "record batch length smaller than its header");
  }
  size_t total = kRecordBatchLogOverhead + static_cast<size_t>(length);
  if (total > max_batch_bytes) return Status(Errc::kTooLarge, "record batch larger than the limit");
  if (total > bytes.size()) return Status(Errc::kTruncated, "record batch shorter than its length field");
  return RecordBatchView(bytes.first(total));
}

uint32_t RecordBatchView::compute_crc() const {
  return crc32c(bytes_.data() + batch_field::kAttributes, bytes_.size() - batch_field::kAttributes);
}

bool RecordBatchView::crc_matches() const {
  return compute_crc() == crc();
}

Status RecordBatchView::validate(const BatchValidation& rules) const {
  if (size_bytes() > rules.max_batch_bytes)
    return Status(Errc::kTooLarge, "record batch larger than the limit");
  if (!crc_matches()) return Status(Errc::kCorrupt, "record batch CRC32C mismatch");
  int32_t count = record_count();
  if (count < 0) return Status(Errc::kInvalidValue, "negative record count");
  if (last_offset_delta() < 0) return Status(Errc::kInvalidValue, "negative last offset delta");
  if (count > 0 && last_offset_delta() < count - 1) {
    return Status(Errc::kInvalidValue, "last offset delta smaller than the record count allows");
  }
  if (rules.require_consecutive_offsets && count > 0 && last_offset_delta() != count - 1) {
    return Status(Errc::kInvalidValue, "last offset delta does not match the record count");
  }
  if (static_cast<unsigned>(compression()) > static_cast<unsigned>(CompressionType::kZstd)) {
    return Status(Errc::kInvalidValue, "unknown compression type");
  }
  if (compression() != CompressionType::kNone) {
    // Each compressed record still takes bytes; a count beyond the payload lies.
    if (count > 0 && records_payload().empty())
      return Status(Errc::kInvalidValue, "compressed batch has no payload");
    return Status();
  }
  if (!rules.check_records) return Status();
  return validate_records(records_payload(), count, last_offset_delta(), rules.require_consecutive_offsets);
}

Status validate_records(std::span<const uint8_t> payload, int32_t count, int32_t last_offset_delta,
                        bool require_consecutive_offsets) {
  if (count < 0) return Status(Errc::kInvalidValue, "negative record count");
  // Every record takes at least 7 bytes; refuse an absurd count before walking.
  if (static_cast<uint64_t>(count) * 7 > payload.size()) {
    return Status(Errc::kInvalidValue, "record count exceeds the records present");
  }
  RecordIterator it(payload, count);
  RecordView rec;
  int64_t expected = 0;
  int64_t previous = -1;
  while (it.next(&rec)) {
    if (require_consecutive_offsets) {
      if (rec.offset_delta != expected)
        return Status(Errc::kInvalidValue, "record offset deltas are not consecutive");
    } else if (rec.offset_delta <= previous) {
      return Status(Errc::kInvalidValue, "record offset deltas do not increase");
    }
    if (rec.offset_delta > last_offset_delta) {
      return Status(Errc::kInvalidValue, "record offset delta beyond the batch's last offset delta");
    }
    previous = rec.offset_delta;
    ++expected;
  }
  return it.status();
}

std::optional<RecordBatchView> RecordBatchIterator::next() {
  if (!status_.ok() || rest_.empty()) return std::nullopt;
  auto batch = RecordBatchView::parse(rest_, max_batch_bytes_);
  if (!batch.ok()) {
    status_ = batch.status();
    return std::nullopt;
  }
  rest_ = rest_.subspan(batch->size_bytes());
  return *batch;
}

Result<std::vector<RecordBatchView>> split_record_batches(std::span<const uint8_t> bytes,
                                                          size_t max_batch_bytes) {
  std::vector<RecordBatchView> views;
  RecordBatchIterator it(bytes, max_batch_bytes);
  while (auto batch = it.next()) views.push_back(*batch);
  if (!it.status().ok()) return it.status();
  return views;
}

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  store_u64(&batch[batch_field::kBaseOffset], static_cast<uint64_t>(base_offset));
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  store_u32(&batch[batch_field::kPartitionLeaderEpoch], static_cast<uint32_t>(epoch));
}

void set_max_timestamp(std::span<uint8_t> batch, TimestampType type, int64_t max_timestamp) {
  uint16_t attributes = load_u16(&batch[batch_field::kAttributes]);
  attributes = type == TimestampType::kLogAppendTime ? static_cast<uint16_t>(attributes | 0x8)
                                                     : static_cast<uint16_t>(attributes & ~0x8);
  store_u16(&batch[batch_field::kAttributes], attributes);
  store_u64(&batch[batch_field::kMaxTimestamp], static_cast<uint64_t>(max_timestamp));
  rewrite_crc(batch);
}

void rewrite_crc(std::span<uint8_t> batch) {
  uint32_t crc = crc32c(batch.data() + batch_field::kAttributes, batch.size() - batch_field::kAttributes);
  store_u32(&batch[batch_field::kCrc], crc);
}

}  // namespace runnel
