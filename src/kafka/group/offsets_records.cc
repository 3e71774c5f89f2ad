#include "kafka/group/offsets_records.h"

#include "base/byte_reader.h"
#include "base/byte_writer.h"

namespace runnel::kafka {

namespace {

template <typename Message>
std::vector<uint8_t> versioned(const Message& message, int16_t version) {
  std::vector<uint8_t> out;
  out.reserve(2 + message.encoded_size(version));
  ByteWriter w(&out);
  w.write_i16(version);
  message.encode(w, version);
  return out;
}

// The whole of `bytes` as one versioned message of a known version range.
template <typename Message>
Status decode_versioned(std::span<const uint8_t> bytes, Message* out) {
  ByteReader r(bytes);
  const int16_t version = r.read_i16();
  if (!r.ok()) return r.status();
  if (version < Message::kLowestSupportedVersion || version > Message::kHighestSupportedVersion) {
    return Status(Errc::kUnsupportedVersion, "unknown __consumer_offsets value version");
  }
  out->decode(r, version);
  if (!r.ok()) return r.status();
  if (r.remaining() != 0) return Status(Errc::kTrailingBytes, "bytes after a __consumer_offsets value");
  return Status();
}

}  // namespace

std::vector<uint8_t> encode_offsets_key(const OffsetCommitKey& key) { return versioned(key, kOffsetCommitKeyVersion); }

std::vector<uint8_t> encode_offsets_key(const GroupMetadataKey& key) {
  return versioned(key, kGroupMetadataKeyVersion);
}

std::vector<uint8_t> encode_offsets_value(const OffsetCommitValue& value) {
  return versioned(value,
                   value.expire_timestamp >= 0 ? kOffsetCommitValueWithExpiryVersion : kOffsetCommitValueVersion);
}

std::vector<uint8_t> encode_offsets_value(const GroupMetadataValue& value) {
  return versioned(value, kGroupMetadataValueVersion);
}

Result<OffsetsRecord> decode_offsets_record(std::span<const uint8_t> key,
                                            std::optional<std::span<const uint8_t>> value) {
  ByteReader r(key);
  const int16_t version = r.read_i16();
  if (!r.ok()) return r.status();
  OffsetsRecord out;
  if (version == 0 || version == 1) {
    out.kind = OffsetsRecord::Kind::kOffsetCommit;
    out.offset_key.decode(r, version);
  } else if (version == 2) {
    out.kind = OffsetsRecord::Kind::kGroupMetadata;
    out.group_key.decode(r, version);
  } else {
    return Status(Errc::kUnsupportedVersion, "unknown __consumer_offsets key version");
  }
  if (!r.ok()) return r.status();
  if (r.remaining() != 0) return Status(Errc::kTrailingBytes, "bytes after a __consumer_offsets key");
  if (!value) return out;
  if (out.kind == OffsetsRecord::Kind::kOffsetCommit) {
    OffsetCommitValue v;
    if (Status s = decode_versioned(*value, &v); !s.ok()) return s;
    out.offset_value = std::move(v);
  } else {
    GroupMetadataValue v;
    if (Status s = decode_versioned(*value, &v); !s.ok()) return s;
    out.group_value = std::move(v);
  }
  return out;
}

}  // namespace runnel::kafka
