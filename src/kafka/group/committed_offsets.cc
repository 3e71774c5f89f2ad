#include "kafka/group/committed_offsets.h"

#include <climits>
#include <set>

#include "kafka/log_replay.h"
#include "protocol/record.h"

namespace runnel::kafka {

namespace {

// Group metadata with many members can be large, but a compressed batch of
// internal records never needs more than this once decompressed.
constexpr size_t kMaxPlainBatchBytes = 64u << 20;

std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void CommittedOffsets::apply(const OffsetsRecord& record) {
  if (record.kind == OffsetsRecord::Kind::kOffsetCommit) {
    Key key{record.offset_key.group, record.offset_key.topic, record.offset_key.partition};
    if (record.offset_value) {
      offsets_[key] = *record.offset_value;
    } else {
      offsets_.erase(key);
    }
    return;
  }
  if (record.group_value) {
    metadata_[record.group_key.group] = *record.group_value;
  } else {
    auto it = metadata_.find(record.group_key.group);
    if (it != metadata_.end()) metadata_.erase(it);
  }
}

const OffsetCommitValue* CommittedOffsets::find(std::string_view group, std::string_view topic,
                                                int32_t partition) const {
  auto it = offsets_.find(Key{std::string(group), std::string(topic), partition});
  return it == offsets_.end() ? nullptr : &it->second;
}

std::vector<std::pair<CommittedOffsets::Key, OffsetCommitValue>> CommittedOffsets::of_group(
    std::string_view group) const {
  std::vector<std::pair<Key, OffsetCommitValue>> out;
  for (auto it = offsets_.lower_bound(Key{std::string(group), "", INT32_MIN});
       it != offsets_.end() && it->first.group == group; ++it) {
    out.emplace_back(it->first, it->second);
  }
  return out;
}

const GroupMetadataValue* CommittedOffsets::group_metadata(std::string_view group) const {
  auto it = metadata_.find(group);
  return it == metadata_.end() ? nullptr : &it->second;
}

std::vector<std::string> CommittedOffsets::groups() const {
  std::set<std::string, std::less<>> names;
  for (const auto& [key, value] : offsets_) names.insert(key.group);
  for (const auto& [group, value] : metadata_) names.insert(group);
  return {names.begin(), names.end()};
}

Result<OffsetsLoadReport> load_committed_offsets(const storage::Log& log, CommittedOffsets& into) {
  OffsetsLoadReport report;
  std::vector<uint8_t> scratch;
  Status replayed = for_each_batch(log, log.log_start_offset(), [&](const RecordBatchView& batch) {
    if (batch.is_control()) return;
    auto records = plain_records(batch, scratch, kMaxPlainBatchBytes);
    if (!records.ok()) {
      report.skipped += batch.record_count();
      return;
    }
    Status walked = for_each_record(*records, batch.record_count(), [&](const RecordView& r) {
      if (!r.key) {
        ++report.skipped;
        return;
      }
      std::optional<std::span<const uint8_t>> value;
      if (r.value) value = as_bytes(*r.value);
      auto decoded = decode_offsets_record(as_bytes(*r.key), value);
      if (!decoded.ok()) {
        ++report.skipped;
        return;
      }
      into.apply(*decoded);
      ++report.records;
    });
    if (!walked.ok()) ++report.skipped;
  });
  if (!replayed.ok()) return replayed;
  return report;
}

}  // namespace runnel::kafka
