#include "kafka/batch_conformance.h"

#include <cstring>

#include "base/big_endian.h"
#include "protocol/record.h"

namespace runnel::kafka {

namespace {

// Decompressed records may be far larger than the batch; this bounds what
// one hostile batch can make the broker allocate.
constexpr size_t kMaxDecompressedBytes = 256u << 20;

Conformance refuse(ErrorCode error, std::string message) {
  Conformance c;
  c.error = error;
  c.message = std::move(message);
  return c;
}

// The batch with its records payload replaced and compressed as `codec`.
std::vector<uint8_t> rebuild(const RecordBatchView& batch, CompressionType codec,
                             const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out(batch.bytes().begin(), batch.bytes().begin() + kRecordBatchHeaderSize);
  out.insert(out.end(), payload.begin(), payload.end());
  const auto length = static_cast<int32_t>(out.size() - kRecordBatchLogOverhead);
  store_u32(out.data() + batch_field::kBatchLength, static_cast<uint32_t>(length));
  const auto attributes = static_cast<uint16_t>((static_cast<uint16_t>(batch.attributes()) & ~uint16_t{0x7}) |
                                                static_cast<uint16_t>(codec));
  store_u16(out.data() + batch_field::kAttributes, attributes);
  rewrite_crc(out);
  return out;
}

}  // namespace

Conformance conform_batch(const RecordBatchView& batch, const BatchRules& rules) {
  const CompressionType codec = batch.compression();
  const bool compressed = codec != CompressionType::kNone;
  const bool recompress = rules.compression.has_value() && *rules.compression != codec;
  if (!compressed && !recompress && !rules.require_keys) return {};

  // The records in plain form: the batch's own bytes, or decompressed.
  std::vector<uint8_t> plain;
  std::span<const uint8_t> records = batch.records_payload();
  if (compressed) {
    auto decompressed = decompress(codec, records, kMaxDecompressedBytes);
    if (!decompressed.ok()) {
      return refuse(ErrorCode::kCorruptMessage,
                    std::string("the batch does not decompress: ").append(decompressed.status().to_string()));
    }
    plain = std::move(*decompressed);
    records = plain;
    if (Status s = validate_records(records, batch.record_count(), batch.last_offset_delta(), true); !s.ok()) {
      return refuse(ErrorCode::kCorruptMessage,
                    std::string("a compressed record is malformed: ").append(s.to_string()));
    }
  }
  if (rules.require_keys) {
    bool keyless = false;
    Status walked = for_each_record(records, batch.record_count(), [&](const RecordView& r) {
      keyless = !r.key.has_value();
      return !keyless;
    });
    if (!walked.ok()) return refuse(ErrorCode::kCorruptMessage, walked.to_string());
    if (keyless) return refuse(ErrorCode::kInvalidRecord, "Compacted topic cannot accept message without key");
  }
  if (!recompress) return {};

  std::vector<uint8_t> payload;
  if (*rules.compression == CompressionType::kNone) {
    payload.assign(records.begin(), records.end());
  } else {
    auto packed = compress(*rules.compression, records);
    if (!packed.ok()) {
      return refuse(ErrorCode::kUnknownServerError,
                    std::string("recompressing the batch failed: ").append(packed.status().to_string()));
    }
    payload = std::move(*packed);
  }
  Conformance out;
  out.rewritten = rebuild(batch, *rules.compression, payload);
  if (out.rewritten->size() > rules.max_batch_bytes) {
    return refuse(ErrorCode::kMessageTooLarge, "the batch exceeds max.message.bytes once recompressed");
  }
  return out;
}

}  // namespace runnel::kafka
