// LogManager: one shard's partition logs, each in
// `<data-dir>/kafka/<topic>/<partition>/`. It opens and creates them, removes
// them crash-safely (a removal cut short by a crash is finished at the next
// start), and runs retention, compaction and background flushes over all of
// them. One per shard, touched only by that shard's thread; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "storage/compactor.h"
#include "storage/flusher.h"
#include "storage/log.h"
#include "storage/open_segment_cache.h"

namespace runnel::storage {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct TopicPartitionHash {
  size_t operator()(const TopicPartition& tp) const noexcept;
};

// A log's settings as the topic's configs give them.
struct ManagedLogConfig {
  LogConfig log;
  bool compact = false;  // cleanup.policy has "compact"
  // cleanup.policy has "delete": retention.ms and retention.bytes apply.
  // Without it they are ignored, as in Kafka (segments still roll).
  bool delete_retention = true;
  CompactionConfig compaction;
};

// What went wrong with one log in a round over many.
struct LogProblem {
  TopicPartition tp;
  Status status;
};

// What start-up finds under `<data-dir>/kafka`.
struct Discovery {
  std::vector<TopicPartition> partitions;  // sorted
  // `<topic>/<partition>.deleted` directories, relative to the data dir: a
  // removal a crash interrupted (a LogManager finishes it when constructed).
  std::vector<std::string> pending_removals;
  // Anything else, relative to the data dir (a file, a directory that is not
  // a legal topic name or a canonical partition number, ...). Left alone.
  std::vector<std::string> ignored;
};

// `<data-dir>/kafka/<topic>/<partition>`. kInvalidValue unless the topic is
// a legal Kafka topic name (1-249 of [a-zA-Z0-9._-], not "." or "..") and
// the partition is not negative, so no name reaches outside the data dir.
Result<std::string> partition_dir(const std::string& data_dir, const TopicPartition& tp);

class LogManager {
 public:
  // Sealed segments whose files stay open, per shard, unless a log's config
  // brings its own OpenSegmentCache.
  static constexpr size_t kDefaultMaxOpenSegments = 512;

  // Finishes the removals a crash interrupted (every shard's manager tries;
  // the first finds them, and racing deleters tolerate each other).
  LogManager(std::string data_dir, Clock clock, Flusher& flusher,
             size_t max_open_segments = kDefaultMaxOpenSegments);
  // Closes every log (pending flush waiters get an error). The flusher must
  // outlive the manager.
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // Every partition directory under `<data-dir>/kafka` (none when it does not
  // exist). Reads only; kIo when a directory cannot be listed.
  static Result<Discovery> discover(const std::string& data_dir);
  // Deletes every `<partition>.deleted` directory left by an interrupted
  // removal, returning how many went; kIo after trying all when one could not
  // be deleted.
  static Result<int> finish_interrupted_removals(const std::string& data_dir);

  // Opens the partition's log, creating it when absent (recovery runs here).
  // A log already open here is returned as it is, with `config` applied.
  Result<Log*> open(const TopicPartition& tp, const ManagedLogConfig& config);
  // The open log, or nullptr.
  Log* get(const TopicPartition& tp) const;
  const ManagedLogConfig* config(const TopicPartition& tp) const;
  // Closes the log (if open here) and deletes its directory (if present):
  // renamed to the sibling `<partition>.deleted` first, the rename synced,
  // then deleted, so a crash leaves either the whole log or a directory that
  // the next start deletes. Ok when there was nothing to remove. After an
  // error the log is closed all the same; its files may remain as
  // `<partition>.deleted` until the next start.
  Status remove(const TopicPartition& tp);
  // kInvalidValue when the log is not open here.
  Status update_config(const TopicPartition& tp, const ManagedLogConfig& config);

  // One round over every log: segment.ms rolls and retention
  // (Log::housekeeping; retention only with delete_retention), then
  // compaction where `compact` is set and the dirty ratio is due. Goes on
  // past a failing log; returns every problem.
  std::vector<LogProblem> housekeeping();
  // Starts the background flushes flush.bytes / flush.ms call for (the
  // write-caching timer), and frees the logs' cached tails when together
  // they are over kTailCacheBudgetBytes.
  void flush_if_due_all();
  // Flushes every log, blocking (shutdown). Goes on past a failing log; the
  // first failure is returned, each one also added to `problems` if given.
  Status flush_all(std::vector<LogProblem>* problems = nullptr);

  size_t size() const { return logs_.size(); }
  // Every open log, in no particular order. fn must not open or remove logs.
  void for_each(const std::function<void(const TopicPartition&, Log&)>& fn);

  const std::string& data_dir() const { return data_dir_; }
  // What the constructor's finish_interrupted_removals() did.
  int removals_finished() const { return removals_finished_; }
  const Status& startup_status() const { return startup_status_; }

 private:
  struct Entry {
    std::unique_ptr<Log> log;
    ManagedLogConfig config;
  };
  // What the Log itself is given: no retention without the delete policy,
  // and the shard's open-file cache.
  LogConfig effective(const ManagedLogConfig& config);

  std::string data_dir_;
  Clock clock_;
  Flusher& flusher_;
  // Declared before the logs: their segments unregister from it as they go.
  OpenSegmentCache open_files_;
  std::unordered_map<TopicPartition, Entry, TopicPartitionHash> logs_;
  int removals_finished_ = 0;
  Status startup_status_;
};

}  // namespace runnel::storage
