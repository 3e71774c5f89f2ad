#include "protocol/record_batch_builder.h"

#include <algorithm>
#include <limits>

#include "base/byte_writer.h"

namespace runnel {
namespace {

void write_sized(ByteWriter& w, const std::optional<std::string>& s) {
  if (!s) {
    w.write_varint(-1);
    return;
  }
  w.write_varint(static_cast<int32_t>(s->size()));
  w.write_string(*s);
}

}  // namespace

RecordBatchBuilder& RecordBatchBuilder::add(std::optional<std::string_view> key,
                                            std::optional<std::string_view> value, int64_t timestamp_ms,
                                            std::vector<RecordHeader> headers) {
  auto delta = records_.empty() ? 0 : records_.back().offset_delta + 1;
  return add_at(delta, key, value, timestamp_ms, std::move(headers));
}

RecordBatchBuilder& RecordBatchBuilder::add_at(int32_t offset_delta, std::optional<std::string_view> key,
                                               std::optional<std::string_view> value, int64_t timestamp_ms,
                                               std::vector<RecordHeader> headers) {
  PendingRecord rec;
  rec.offset_delta = offset_delta;
  if (key) rec.key.emplace(*key);
  if (value) rec.value.emplace(*value);
  rec.timestamp_ms = timestamp_ms;
  rec.headers = std::move(headers);
  records_.push_back(std::move(rec));
  return *this;
}

Result<std::vector<uint8_t>> RecordBatchBuilder::build() const {
  int64_t base_ts = base_timestamp_    ? *base_timestamp_
                    : records_.empty() ? -1
                                       : records_.front().timestamp_ms;
  int64_t max_ts = -1;
  for (const auto& r : records_) max_ts = std::max(max_ts, r.timestamp_ms);
  if (max_timestamp_) max_ts = *max_timestamp_;

  // Every length on the wire is an int32; a field or batch past that would
  // wrap into a negative or short length and produce a batch nobody can read.
  constexpr size_t kMaxField = static_cast<size_t>(std::numeric_limits<int32_t>::max());

  std::vector<uint8_t> payload;
  ByteWriter body(&payload);
  std::vector<uint8_t> one;
  for (const auto& r : records_) {
    one.clear();
    ByteWriter w(&one);
    w.write_i8(0);
    w.write_varlong(r.timestamp_ms - base_ts);
    w.write_varint(r.offset_delta);
    write_sized(w, r.key);
    write_sized(w, r.value);
    w.write_varint(static_cast<int32_t>(r.headers.size()));
    for (const auto& h : r.headers) {
      w.write_varint(static_cast<int32_t>(h.key.size()));
      w.write_string(h.key);
      write_sized(w, h.value);
    }
    if (one.size() > kMaxField) return Status(Errc::kTooLarge, "record too large for a record batch");
    body.write_varint(static_cast<int32_t>(one.size()));
    body.write_bytes(one);
  }
  if (compression_ != CompressionType::kNone) {
    auto compressed = compress(compression_, payload);
    if (!compressed.ok()) return compressed.status();
    payload = std::move(*compressed);
  }
  if (payload.size() > kMaxField - (kRecordBatchHeaderSize - kRecordBatchLogOverhead)) {
    return Status(Errc::kTooLarge, "records too large for one record batch");
  }

  int16_t attributes = static_cast<int16_t>(compression_);
  if (timestamp_type_ == TimestampType::kLogAppendTime) attributes |= 0x8;
  if (transactional_) attributes |= 0x10;
  if (control_) attributes |= 0x20;

  std::vector<uint8_t> out;
  out.reserve(kRecordBatchHeaderSize + payload.size());
  ByteWriter w(&out);
  w.write_i64(base_offset_);
  w.write_i32(static_cast<int32_t>(kRecordBatchHeaderSize - kRecordBatchLogOverhead + payload.size()));
  w.write_i32(leader_epoch_);
  w.write_i8(kRecordBatchMagic);
  w.write_u32(0);  // CRC, filled in below
  w.write_i16(attributes);
  w.write_i32(last_offset_delta_ ? *last_offset_delta_ : records_.empty() ? 0 : records_.back().offset_delta);
  w.write_i64(base_ts);
  w.write_i64(max_ts);
  w.write_i64(producer_id_);
  w.write_i16(producer_epoch_);
  w.write_i32(base_sequence_);
  w.write_i32(static_cast<int32_t>(records_.size()));
  w.write_bytes(payload);
  rewrite_crc(out);
  return out;
}

}  // namespace runnel
