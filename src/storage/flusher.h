// Flusher: one per shard, a helper thread that writes the logs' write-behind
// buffers to their segment files (O_DIRECT), runs fdatasync and writes
// recovery-point checkpoints, so the shard's own thread never blocks on the
// disk. Jobs that queue while a sync runs are served together by the next
// one (group commit): per log and round, one fdatasync of each file with
// unsynced data (normally just the active segment's log file; after a roll
// also the sealed segments and their indexes), however many producers wait. Completions go back to the owning
// shard through the `post` function given at construction.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "metrics/registry.h"
#include "storage/segment.h"

namespace runnel::storage {

// How a flush went. The two parts fail for different reasons and mean
// different things: a failed fdatasync may have lost written pages for good
// (the kernel drops them and a retry can report success), while a failed
// checkpoint (say, no space for its temporary) leaves the data durable but
// the recovery point on disk behind, which is safe and only costs scanning.
// A failed write, unlike a failed sync, loses nothing: the bytes are still
// in memory and the next flush writes them again.
struct FlushOutcome {
  Status write;
  Status sync;
  Status checkpoint;
  Status overall() const { return !write.ok() ? write : !sync.ok() ? sync : checkpoint; }
};

struct FlushJob {
  // What must be written before the files are synced, in order; the
  // flusher closes their descriptors.
  std::vector<SegmentWrite> writes;
  // dup()s of every file the flush must make durable (the active segment's
  // log, and each segment sealed since the last flush with its indexes);
  // the flusher closes them.
  std::vector<int> fds;
  std::string checkpoint_path;  // where the recovery point is recorded
  int64_t offset = 0;           // everything below is durable once done runs
  // Whether this flush also records `offset` as the recovery point (and
  // syncs the log's directory). Logs ask for it only now and then: a stale
  // recovery point is safe (recovery scans a little more) and its rename and
  // directory sync cost two journal commits, more than the data sync itself.
  bool write_checkpoint = true;
  std::function<void(const FlushOutcome&)> done;  // runs on the owner's thread, via post
};

class Flusher {
 public:
  using Post = std::function<void(std::function<void()>)>;

  explicit Flusher(Post post);
  // Finishes every queued job, then stops the thread.
  ~Flusher();
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Thread-safe.
  void submit(FlushJob job);
  // Runs `fn` on the owner's thread after the work already queued there, so
  // a log can start its flush once the appends of this turn have joined it.
  void defer(std::function<void()> fn) { post_(std::move(fn)); }
  // fdatasync calls made so far (for tests and metrics).
  uint64_t syncs() const;
  // Bytes written to segment files so far (for tests and benchmarks).
  uint64_t written_bytes() const;

 private:
  void run();

  Post post_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<FlushJob> queue_;
  bool stopping_ = false;
  uint64_t syncs_ = 0;
  uint64_t written_bytes_ = 0;
  // Each fdatasync's latency (written by the flusher thread only).
  std::shared_ptr<metrics::HistogramCell> fsync_latency_;
  std::thread thread_;
};

}  // namespace runnel::storage
