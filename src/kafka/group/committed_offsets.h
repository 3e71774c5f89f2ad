// CommittedOffsets: the consumer-group state one __consumer_offsets
// partition holds, as its records say it: the latest committed offset per
// group and partition, and the latest metadata per group. Rebuilt at start-up
// by replaying the partition's log, then kept current by applying each
// record the coordinator appends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/status.h"
#include "kafka/group/offsets_records.h"
#include "storage/log.h"

namespace runnel::kafka {

class CommittedOffsets {
 public:
  struct Key {
    std::string group;
    std::string topic;
    int32_t partition = 0;
    auto operator<=>(const Key&) const = default;
  };

  // A commit replaces the group's offset for that partition; a tombstone
  // removes it. A group metadata record replaces the group's metadata; its
  // tombstone removes the metadata (the offsets have their own tombstones).
  void apply(const OffsetsRecord& record);

  const OffsetCommitValue* find(std::string_view group, std::string_view topic, int32_t partition) const;
  // Every committed offset of one group, ordered by topic and partition.
  std::vector<std::pair<Key, OffsetCommitValue>> of_group(std::string_view group) const;
  const GroupMetadataValue* group_metadata(std::string_view group) const;
  // Every group with offsets or metadata here.
  std::vector<std::string> groups() const;
  size_t offset_count() const { return offsets_.size(); }

 private:
  std::map<Key, OffsetCommitValue> offsets_;
  std::map<std::string, GroupMetadataValue, std::less<>> metadata_;
};

struct OffsetsLoadReport {
  int64_t records = 0;
  // Records skipped: key versions of newer group protocols, and records
  // that do not decode (a damaged internal record must not stop the load).
  int64_t skipped = 0;
};

// Replays a __consumer_offsets partition's whole log into `into`.
Result<OffsetsLoadReport> load_committed_offsets(const storage::Log& log, CommittedOffsets& into);

}  // namespace runnel::kafka
