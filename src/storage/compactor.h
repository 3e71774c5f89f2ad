// Log compaction (cleanup.policy=compact): keeps the latest record per key in
// a log's closed segments, drops tombstones older than delete.retention.ms,
// and keeps every surviving record at its original offset (gaps allowed) in
// valid batches. The key map is bounded; a log whose dirty part does not fit
// is compacted over several passes. Runs on the log's owner thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "storage/log.h"

namespace runnel::storage {

struct CompactionConfig {
  size_t key_map_bytes = 64 << 20;                   // log.cleaner.dedupe.buffer.size
  int64_t delete_retention_ms = 24LL * 3600 * 1000;  // delete.retention.ms
  double min_cleanable_dirty_ratio = 0.5;            // min.cleanable.dirty.ratio
  size_t max_batch_bytes = 64 << 20;                 // bound on one decompressed batch
};

struct CompactionStats {
  int passes = 0;
  int segments_rewritten = 0;
  int64_t records_removed = 0;
  int64_t tombstones_removed = 0;
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
};

// The share of closed-segment bytes not yet compacted.
double dirty_ratio(const Log& log);

// Compacts when the dirty ratio reaches the threshold (force skips the check).
Result<CompactionStats> compact(Log& log, const CompactionConfig& config, int64_t now_ms, bool force = false);

}  // namespace runnel::storage
