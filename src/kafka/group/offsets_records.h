// The records of the internal topic __consumer_offsets, in Kafka's own
// formats so the log reads the same as a Kafka broker's: a key is an int16
// version and then OffsetCommitKey (versions 0 and 1) or GroupMetadataKey
// (version 2); a value is an int16 version and then the matching value
// struct; a null value is a tombstone (the offset or group was deleted).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "protocol/kafka/generated/internal/group_metadata.h"
#include "protocol/kafka/generated/internal/offset_commit.h"

namespace runnel::kafka {

// Versions written, as Kafka 3.x writes them: non-flexible values, so an
// older reader (or a downgrade) understands the log. An offset with an
// explicit expiry (OffsetCommit v1's commit timestamp) needs value v1.
inline constexpr int16_t kOffsetCommitKeyVersion = 1;
inline constexpr int16_t kGroupMetadataKeyVersion = 2;
inline constexpr int16_t kOffsetCommitValueVersion = 3;
inline constexpr int16_t kOffsetCommitValueWithExpiryVersion = 1;
inline constexpr int16_t kGroupMetadataValueVersion = 3;

std::vector<uint8_t> encode_offsets_key(const OffsetCommitKey& key);
std::vector<uint8_t> encode_offsets_key(const GroupMetadataKey& key);
std::vector<uint8_t> encode_offsets_value(const OffsetCommitValue& value);
std::vector<uint8_t> encode_offsets_value(const GroupMetadataValue& value);

struct OffsetsRecord {
  enum class Kind { kOffsetCommit, kGroupMetadata };
  Kind kind = Kind::kOffsetCommit;
  OffsetCommitKey offset_key;  // kOffsetCommit
  GroupMetadataKey group_key;  // kGroupMetadata
  // nullopt: a tombstone.
  std::optional<OffsetCommitValue> offset_value;
  std::optional<GroupMetadataValue> group_value;
};

// Decodes one record. kUnsupportedVersion for a key version this build does
// not know (records of newer group protocols, which a loader skips), and
// the reader's error for malformed bytes.
Result<OffsetsRecord> decode_offsets_record(std::span<const uint8_t> key,
                                            std::optional<std::span<const uint8_t>> value);

}  // namespace runnel::kafka
