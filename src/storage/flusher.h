// Flusher: one per shard, a helper thread that runs fdatasync and writes
// recovery-point checkpoints so the shard's own thread never blocks on the
// disk. Jobs that queue while a sync runs are served together by the next
// one (group commit): one fdatasync per log per round, however many
// producers wait on it. Completions go back to the owning shard through the
// `post` function given at construction.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"

namespace runnel::storage {

struct FlushJob {
  int fd = -1;                  // a dup() of the segment file; the flusher closes it
  std::string checkpoint_path;  // where the recovery point is recorded
  int64_t offset = 0;           // everything below is durable once done runs
  std::function<void(Status)> done;  // runs on the owner's thread, via post
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
  // fdatasync calls made so far (for tests and metrics).
  uint64_t syncs() const;

 private:
  void run();

  Post post_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<FlushJob> queue_;
  bool stopping_ = false;
  uint64_t syncs_ = 0;
  std::thread thread_;
};

}  // namespace runnel::storage
