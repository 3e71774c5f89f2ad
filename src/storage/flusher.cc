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
    for (const auto& job : round) {
      FlushOutcome& o = outcome[job.checkpoint_path];
      for (size_t i = 0; i < job.fds.size(); ++i) {
        const int fd = job.fds[i];
        ++synced;
        const auto started = std::chrono::steady_clock::now();
        const int rc = ::fdatasync(fd);
        fsync_latency_->observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        if (rc != 0 && o.sync.ok()) o.sync = Status(Errc::kIo, "fdatasync of a segment file failed");
        // Advice only: a failure costs memory, not data.
        if (rc == 0 && i < job.drops.size() && job.drops[i].to > job.drops[i].from) {
          (void)::posix_fadvise(fd, static_cast<off_t>(job.drops[i].from),
                                static_cast<off_t>(job.drops[i].to - job.drops[i].from), POSIX_FADV_DONTNEED);
        }
      }
      if (o.sync.ok() && job.write_checkpoint) {
        auto [it, fresh] = durable.emplace(job.checkpoint_path, job.offset);
        if (!fresh) it->second = std::max(it->second, job.offset);
      }
    }
    for (const auto& [path, offset] : durable) {
      if (outcome[path].sync.ok()) outcome[path].checkpoint = write_checkpoint(path, offset);
    }
    for (auto& job : round) {
      for (int fd : job.fds) ::close(fd);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      syncs_ += synced;
    }
    for (auto& job : round) {
      FlushOutcome o = outcome[job.checkpoint_path];
      post_([done = std::move(job.done), o] { done(o); });
    }
  }
}

}  // namespace runnel::storage
