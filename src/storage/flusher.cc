#include "storage/flusher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "metrics/catalog.h"
#include "storage/checkpoint_file.h"

namespace runnel::storage {

Flusher::Flusher(Post post)
    : post_(std::move(post)),
      fsync_latency_(metrics::families().fsync_latency.get({})),
      thread_([this] { run(); }) {}

Flusher::~Flusher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Flusher::submit(FlushJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

uint64_t Flusher::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

uint64_t Flusher::written_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_bytes_;
}

void Flusher::run() {
  for (;;) {
    std::deque<FlushJob> round;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      round.swap(queue_);
    }
    // A log keeps one flush in flight, so a round usually holds one job per
    // log; should a log have several, each job's files are synced and the
    // log's checkpoint records the highest offset whose files all synced.
    std::map<std::string, FlushOutcome> outcome;
    std::map<std::string, int64_t> durable;
    uint64_t synced = 0;
    uint64_t written = 0;
    for (const auto& job : round) {
      FlushOutcome& o = outcome[job.checkpoint_path];
      for (const SegmentWrite& w : job.writes) {
        if (!o.write.ok()) break;
        o.write = write_segment(w);
        if (o.write.ok() && w.write) {
          for (const MemoryPiece& p : w.write->pieces) written += p.length;
        }
      }
      // Syncing makes sense only of what was written in full.
      if (!o.write.ok()) continue;
      for (const int fd : job.fds) {
        ++synced;
        const auto started = std::chrono::steady_clock::now();
        const int rc = ::fdatasync(fd);
        fsync_latency_->observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        if (rc != 0 && o.sync.ok()) o.sync = Status(Errc::kIo, "fdatasync of a segment file failed");
      }
      if (o.write.ok() && o.sync.ok() && job.write_checkpoint) {
        auto [it, fresh] = durable.emplace(job.checkpoint_path, job.offset);
        if (!fresh) it->second = std::max(it->second, job.offset);
      }
    }
    for (const auto& [path, offset] : durable) {
      if (outcome[path].write.ok() && outcome[path].sync.ok())
        outcome[path].checkpoint = write_checkpoint(path, offset);
    }
    for (auto& job : round) {
      for (int fd : job.fds) ::close(fd);
      for (const SegmentWrite& w : job.writes) {
        if (w.fd >= 0) ::close(w.fd);
      }
      // The memory the writes named goes back on this thread, not the owner's.
      job.writes.clear();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      syncs_ += synced;
      written_bytes_ += written;
    }
    for (auto& job : round) {
      FlushOutcome o = outcome[job.checkpoint_path];
      post_([done = std::move(job.done), o] { done(o); });
    }
  }
}

}  // namespace runnel::storage
