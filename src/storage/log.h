// Log: one partition's durable record log, a sequence of segments in
// `<data-dir>/kafka/<topic>/<partition>/`. It assigns offsets, serves
// batch-aligned reads, rolls segments, applies retention, keeps a persisted
// log start offset, and recovers after a crash by verifying only the tail past
// its recovery-point checkpoint. A Log is owned by one shard and is not
// thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "metrics/catalog.h"
#include "storage/flusher.h"
#include "storage/segment.h"

namespace runnel::storage {

// Memory the logs of the process keep for bytes already written, for tail
// readers: a log keeps its newest cached_tail_bytes while all of them stay
// within this; past it they keep only what is unwritten.
constexpr uint64_t kTailCacheBudgetBytes = 80ULL << 20;
// Whether the write-behind memory in use has passed kTailCacheBudgetBytes.
bool tail_cache_over_budget();

struct LogConfig {
  uint64_t segment_bytes = 1ULL << 30;            // segment.bytes
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;    // segment.ms
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // retention.ms; -1 keeps forever
  int64_t retention_bytes = -1;                   // retention.bytes; -1 is unlimited
  bool log_append_time = false;                   // message.timestamp.type=LogAppendTime
  // Write caching (Redpanda's write.caching): acks=all is answered before the
  // fsync, and the log is flushed once flush_bytes are unflushed or the
  // oldest unflushed append is flush_ms old. Off: acks=all waits for the fsync.
  bool write_caching = false;
  uint64_t flush_bytes = 256 << 10;  // flush.bytes
  int64_t flush_ms = 100;            // flush.ms
  SegmentOptions segment;            // index.interval.bytes, segment.index.bytes
  // How much of the log's newest data stays in memory once written, so
  // consumers at the tail are served without reading the disk (older bytes
  // are read from the segment files). All logs together keep at most
  // kTailCacheBudgetBytes: past that, logs keep only what is unwritten.
  uint64_t cached_tail_bytes = 64ULL << 20;
};

// Milliseconds since the epoch; injected so tests control time.
using Clock = std::function<int64_t()>;

struct RecoveryReport {
  int segments_scanned = 0;
  uint64_t bytes_truncated = 0;
  int segments_dropped = 0;  // segments after a corrupt point
  int indexes_rebuilt = 0;
  Status first_problem;  // why something was truncated
};

struct AppendResult {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t log_append_time = -1;  // set when the topic uses LogAppendTime
  int64_t end_offset = 0;        // the new high end: last_offset + 1
};

class Log {
 public:
  // `cells` (optional) receive the log's metrics: segments created, bytes
  // written and flushed, size.
  static Result<std::unique_ptr<Log>> open(const std::string& dir, const LogConfig& config, Clock clock,
                                           std::shared_ptr<metrics::LogCells> cells = nullptr);

  // Appends one validated batch the caller owns: its base offset (and, for
  // LogAppendTime topics, its max timestamp) is rewritten in place.
  Result<AppendResult> append(std::span<uint8_t> batch);

  // Batches from `offset` up to max_bytes, at least one whole batch when one
  // exists; an empty range at end_offset(). Offsets outside
  // [log_start_offset, end_offset] are kInvalidValue (OFFSET_OUT_OF_RANGE).
  Result<ReadRange> read(int64_t offset, size_t max_bytes) const;
  // Offset of the first record stamped at or after `timestamp` (never below
  // the log start offset); nullopt when there is none (ListOffsets answers -1).
  Result<std::optional<int64_t>> offset_for_timestamp(int64_t timestamp) const;

  // DeleteRecords: moves the log start offset forward (never back, never
  // past the end), persists it, and drops segments wholly below it.
  Status delete_records_before(int64_t offset);
  // Rolls a segment past segment.ms (so idle data still expires) and deletes
  // closed segments past retention.ms / retention.bytes.
  Status housekeeping();
  // Makes everything appended durable and advances the recovery point,
  // blocking the caller (start-up, shutdown, tests).
  Status flush();
  // The non-blocking form for acks=all: `done` runs on the owner's thread
  // once an fdatasync covering everything appended so far has finished (at
  // once if that is already true). Waiters that arrive while a sync is in
  // flight share the next one. The flusher must outlive the log.
  void flush_async(Flusher& flusher, std::function<void(Status)> done);
  // Before the log is destroyed (partition removed, broker stopping):
  // answers every flush_async waiter still pending with an error, since the
  // completion of a flush in flight never reaches a destroyed log and they
  // would otherwise wait forever. The log is then only fit to be destroyed.
  void close();
  Status update_config(const LogConfig& config);
  // Whether acks=all must wait for flush_async before answering.
  bool acks_all_waits_for_flush() const { return !config_.write_caching; }
  // Whether flush.bytes or flush.ms says a background flush is due: under
  // write caching for acks=all, and always for acks=0/1 appends, which no
  // one waits for but whose recovery point should still move.
  bool flush_due() const;
  // Starts a background flush when one is due (the broker calls this after
  // appends and on a timer).
  void flush_if_due(Flusher& flusher);
  // Appended bytes that no finished flush has covered yet. They are held in
  // memory until written, so the broker makes producers wait for a flush
  // once this passes kMaxUnflushedBytes, whatever their acks.
  uint64_t unflushed_bytes() const { return appended_bytes_ - durable_bytes_; }
  static constexpr uint64_t kMaxUnflushedBytes = 64ULL << 20;
  // Frees the memory of everything written, keeping only unwritten bytes
  // (when the logs together are over kTailCacheBudgetBytes).
  void release_cached_tail();

  int64_t log_start_offset() const { return log_start_offset_; }
  int64_t end_offset() const { return segments_.back()->next_offset(); }
  int64_t recovery_point() const { return recovery_point_; }
  // Not ok once an fdatasync failed: appends and flushes fail with it until
  // the log is reopened (the broker reports KAFKA_STORAGE_ERROR meanwhile).
  const Status& sync_failure() const { return sync_failure_; }
  uint64_t size_bytes() const;
  size_t segment_count() const { return segments_.size(); }
  const Segment& segment(size_t i) const { return *segments_[i]; }
  const RecoveryReport& recovery() const { return recovery_; }
  const std::string& dir() const { return dir_; }

  // For the compactor: everything below this offset has been compacted.
  int64_t cleaner_checkpoint() const { return cleaner_checkpoint_; }
  Status set_cleaner_checkpoint(int64_t offset);
  // Swaps closed segment i for the sealed segment of the same base offset in
  // `cleaned_dir`. Crash-safe: the old indexes go first, so a crash leaves
  // either log with indexes rebuilt from it at start-up.
  Status replace_segment(size_t i, const std::string& cleaned_dir);

 private:
  Log(std::string dir, const LogConfig& config, Clock clock)
      : dir_(std::move(dir)), config_(config), clock_(std::move(clock)) {}
  Status recover();
  Status roll();
  Status drop_front_segment();
  void start_flush(Flusher& flusher);
  void finish_flush(Flusher& flusher, int64_t target, uint64_t bytes, bool checkpointed,
                    const std::vector<SegmentWrite>& writes, const FlushOutcome& outcome);
  // Whether the next background flush also records the recovery point: when
  // a segment file was created since the last record (its directory entry
  // must be synced before data in it is acknowledged), and otherwise at most
  // once per kCheckpointIntervalMs.
  bool checkpoint_due() const;
  // Frees the memory of bytes written, but for each segment's newest
  // cached_tail_bytes while all logs stay within kTailCacheBudgetBytes.
  void trim_memory();
  bool should_roll(size_t incoming_bytes, int64_t last_offset, int64_t incoming_timestamp, int64_t now) const;
  // segment.ms by the clock: the active segment was first written to longer ago.
  bool segment_aged(int64_t now) const;
  // A segment was created (for the metrics and the next directory sync); the size changed in a way append
  // does not track.
  void count_segment_created() {
    dir_unsynced_ = true;
    if (cells_) cells_->segments_created->inc();
  }
  void refresh_size_metric() {
    if (cells_) cells_->partition_size->set(static_cast<int64_t>(size_bytes()));
  }
  void count_flushed(uint64_t durable_before) {
    if (cells_ && durable_bytes_ > durable_before)
      cells_->flushed_bytes->inc(durable_bytes_ - durable_before);
  }

  std::string dir_;
  LogConfig config_;
  Clock clock_;
  std::deque<std::unique_ptr<Segment>> segments_;
  int64_t log_start_offset_ = 0;
  int64_t recovery_point_ = 0;      // everything below is durable
  int64_t checkpointed_ = -1;       // the recovery point on disk; -1: not written since open
  int64_t checkpointed_at_ms_ = 0;  // clock time of that write
  bool dir_unsynced_ = false;       // a segment file was created since the directory was synced
  int64_t cleaner_checkpoint_ = 0;
  Status sync_failure_;           // a failed fdatasync; sticky until the log is reopened
  int64_t active_since_ms_ = -1;  // clock time of the active segment's first append; -1 while empty
  uint64_t appended_bytes_ = 0;   // since open
  uint64_t durable_bytes_ = 0;    // of those, covered by a finished flush
  int64_t oldest_unflushed_ms_ = -1;
  RecoveryReport recovery_;
  std::shared_ptr<metrics::LogCells> cells_;

  struct FlushWaiter {
    int64_t offset;
    std::function<void(Status)> done;
  };
  std::vector<FlushWaiter> flush_waiters_;
  bool flush_in_flight_ = false;
  bool flush_scheduled_ = false;  // a deferred start_flush is queued on the owner's loop
  // Completions hold a weak reference, so a log closed mid-flush is not touched.
  std::shared_ptr<Log*> self_ = std::make_shared<Log*>(this);
};

}  // namespace runnel::storage
