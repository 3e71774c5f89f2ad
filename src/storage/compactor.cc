#include "storage/compactor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/compression.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"

namespace runnel::storage {
namespace {

// Calls fn for every batch of a segment, in order, with its bytes.
Status for_each_batch(const Segment& seg, const std::function<Status(const RecordBatchView&)>& fn) {
  int64_t offset = seg.base_offset();
  std::vector<uint8_t> buf;
  while (offset < seg.next_offset()) {
    auto range = seg.read(offset, 4 << 20);
    if (!range.ok()) return range.status();
    if (range->length == 0) break;
    buf.clear();
    if (auto s = copy_range(*range, &buf); !s.ok()) return s;
    RecordBatchIterator batches(buf);
    while (auto batch = batches.next()) {
      if (auto s = fn(*batch); !s.ok()) return s;
      offset = batch->next_offset();
    }
    if (!batches.status().ok()) return batches.status();
  }
  return Status();
}

// The batch's records, decompressed if need be, kept alive in `storage`.
Result<std::span<const uint8_t>> plain_records(const RecordBatchView& batch, size_t limit,
                                               std::vector<uint8_t>* storage) {
  if (batch.compression() == CompressionType::kNone) return batch.records_payload();
  auto out = decompress(batch.compression(), batch.records_payload(), limit);
  if (!out.ok()) return out.status();
  *storage = std::move(*out);
  return std::span<const uint8_t>(*storage);
}

// Latest offset of every key in the dirty window.
class KeyMap {
 public:
  explicit KeyMap(size_t budget) : budget_(budget) {}
  void put(std::string_view key, int64_t offset) {
    auto [it, fresh] = map_.try_emplace(std::string(key), offset);
    if (fresh) {
      bytes_ += key.size() + kEntryOverhead;
    } else {
      it->second = offset;
    }
  }
  // Whether the record at `offset` with `key` is the newest the map knows.
  bool is_latest(std::string_view key, int64_t offset) const {
    auto it = map_.find(std::string(key));
    return it == map_.end() || it->second == offset;
  }
  bool full() const { return bytes_ >= budget_; }

 private:
  static constexpr size_t kEntryOverhead = 64;  // node, hash bucket, string header
  size_t budget_;
  size_t bytes_ = 0;
  std::unordered_map<std::string, int64_t> map_;
};

// The batch with only the records `keep` accepts, or nullopt when none are
// left. An untouched batch is returned byte for byte.
Result<std::optional<std::vector<uint8_t>>> filter_batch(
    const RecordBatchView& batch, size_t limit,
    const std::function<bool(const RecordView&, int64_t offset)>& keep, CompactionStats* stats) {
  std::vector<uint8_t> storage;
  auto payload = plain_records(batch, limit, &storage);
  if (!payload.ok()) return payload.status();
  RecordBatchBuilder builder;
  builder.base_offset(batch.base_offset())
      .partition_leader_epoch(batch.partition_leader_epoch())
      .producer(batch.producer_id(), batch.producer_epoch(), batch.base_sequence())
      .transactional(batch.is_transactional())
      .compression(batch.compression())
      .timestamp_type(batch.timestamp_type())
      .last_offset_delta(batch.last_offset_delta())
      .base_timestamp(batch.base_timestamp());
  if (batch.timestamp_type() == TimestampType::kLogAppendTime) builder.max_timestamp(batch.max_timestamp());
  RecordIterator records(*payload, batch.record_count());
  RecordView r;
  int32_t total = 0;
  while (records.next(&r)) {
    ++total;
    if (!keep(r, batch.base_offset() + r.offset_delta)) continue;
    std::vector<RecordHeader> headers;
    for (const auto& h : decode_headers(r)) {
      headers.push_back({std::string(h.key), h.value ? std::optional<std::string>(*h.value) : std::nullopt});
    }
    builder.add_at(r.offset_delta, r.key, r.value, batch.base_timestamp() + r.timestamp_delta,
                   std::move(headers));
  }
  if (!records.status().ok()) return records.status();
  if (builder.record_count() == static_cast<size_t>(total)) {
    return std::optional<std::vector<uint8_t>>(
        std::vector<uint8_t>(batch.bytes().begin(), batch.bytes().end()));
  }
  if (builder.record_count() == 0) return std::optional<std::vector<uint8_t>>();
  auto built = builder.build();
  if (!built.ok()) return built.status();
  return std::optional<std::vector<uint8_t>>(std::move(*built));
}

}  // namespace

double dirty_ratio(const Log& log) {
  uint64_t total = 0, dirty = 0;
  for (size_t i = 0; i + 1 < log.segment_count(); ++i) {
    total += log.segment(i).size_bytes();
    if (log.segment(i).next_offset() > log.cleaner_checkpoint()) dirty += log.segment(i).size_bytes();
  }
  return total == 0 ? 0.0 : static_cast<double>(dirty) / static_cast<double>(total);
}

Result<CompactionStats> compact(Log& log, const CompactionConfig& config, int64_t now_ms, bool force) {
  CompactionStats stats;
  if (!force && dirty_ratio(log) < config.min_cleanable_dirty_ratio) return stats;
  const std::string cleaned_dir = log.dir() + "/cleaning";
  std::filesystem::remove_all(cleaned_dir);
  ::mkdir(cleaned_dir.c_str(), 0755);

  while (true) {
    size_t closed = log.segment_count() - 1;
    // First dirty segment.
    size_t first_dirty = 0;
    while (first_dirty < closed && log.segment(first_dirty).next_offset() <= log.cleaner_checkpoint()) {
      ++first_dirty;
    }
    if (first_dirty >= closed) break;
    ++stats.passes;

    // Map the dirty window, whole segments at a time, until the budget is used.
    KeyMap keys(config.key_map_bytes);
    size_t window_end = first_dirty;
    while (window_end < closed && (window_end == first_dirty || !keys.full())) {
      Status s = for_each_batch(log.segment(window_end), [&](const RecordBatchView& batch) -> Status {
        if (batch.is_control()) return Status();
        std::vector<uint8_t> storage;
        auto payload = plain_records(batch, config.max_batch_bytes, &storage);
        if (!payload.ok()) return payload.status();
        RecordIterator records(*payload, batch.record_count());
        RecordView r;
        while (records.next(&r)) {
          if (r.key) keys.put(*r.key, batch.base_offset() + r.offset_delta);
        }
        return records.status();
      });
      if (!s.ok()) return s;
      ++window_end;
    }
    int64_t window_end_offset = log.segment(window_end - 1).next_offset();

    // Rewrite every closed segment up to the end of the window.
    int64_t tombstone_horizon = now_ms - config.delete_retention_ms;
    for (size_t i = 0; i < window_end; ++i) {
      const Segment& seg = log.segment(i);
      stats.bytes_before += seg.size_bytes();
      auto cleaned = Segment::create(cleaned_dir, seg.base_offset(), SegmentOptions{});
      if (!cleaned.ok()) return cleaned.status();
      Status s = for_each_batch(seg, [&](const RecordBatchView& batch) -> Status {
        std::optional<std::vector<uint8_t>> out;
        if (batch.is_control()) {
          out.emplace(batch.bytes().begin(), batch.bytes().end());
        } else {
          auto filtered = filter_batch(
              batch, config.max_batch_bytes,
              [&](const RecordView& r, int64_t offset) {
                if (r.key && !keys.is_latest(*r.key, offset)) {
                  ++stats.records_removed;
                  return false;
                }
                if (!r.value && batch.base_timestamp() + r.timestamp_delta < tombstone_horizon) {
                  ++stats.tombstones_removed;
                  return false;
                }
                return true;
              },
              &stats);
          if (!filtered.ok()) return filtered.status();
          out = std::move(*filtered);
        }
        if (!out) return Status();
        auto view = *RecordBatchView::parse(*out);
        return (*cleaned)->append(*out, view.base_offset(), view.last_offset(), view.max_timestamp());
      });
      if (!s.ok()) return s;
      if (auto s2 = (*cleaned)->seal(); !s2.ok()) return s2;
      // Durable before it is renamed over the original: sealing syncs nothing.
      if (auto s2 = (*cleaned)->flush(); !s2.ok()) return s2;
      stats.bytes_after += (*cleaned)->size_bytes();
      cleaned->reset();
      if (auto s2 = log.replace_segment(i, cleaned_dir); !s2.ok()) return s2;
      ++stats.segments_rewritten;
    }
    if (auto s = log.set_cleaner_checkpoint(window_end_offset); !s.ok()) return s;
  }
  std::filesystem::remove_all(cleaned_dir);
  return stats;
}

}  // namespace runnel::storage
