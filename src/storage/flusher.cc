#include "storage/flusher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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

namespace {

// Threads a round's writes and syncs are spread over: they spend their time
// waiting for the device, which serves several requests at once.
constexpr size_t kIoThreads = 4;

// Runs fn(0..n-1), on up to kIoThreads threads when there is more than one.
void in_parallel(size_t n, const std::function<void(size_t)>& fn) {
  if (n <= 1) {
    if (n == 1) fn(0);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min(n, kIoThreads); ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
}

}  // namespace

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
    uint64_t written = 0;

    // All writes of the round first, then all syncs. The writes go to the
    // device directly (O_DIRECT) and each waits for it, so with many logs
    // they run side by side; and on a journaling filesystem the syncs that
    // follow share journal commits instead of one commit per log.
    std::vector<const SegmentWrite*> writes;
    std::vector<FlushOutcome*> write_owner;
    for (const auto& job : round) {
      for (const SegmentWrite& w : job.writes) {
        writes.push_back(&w);
        write_owner.push_back(&outcome[job.checkpoint_path]);
      }
    }
    std::vector<Status> write_status(writes.size());
    in_parallel(writes.size(), [&](size_t i) { write_status[i] = write_segment(*writes[i]); });
    for (size_t i = 0; i < writes.size(); ++i) {
      FlushOutcome& o = *write_owner[i];
      if (!write_status[i].ok() && o.write.ok()) o.write = write_status[i];
      if (write_status[i].ok() && writes[i]->write) {
        for (const MemoryPiece& p : writes[i]->write->pieces) written += p.length;
      }
    }

    std::vector<int> fds;
    std::vector<FlushOutcome*> fd_owner;
    for (const auto& job : round) {
      FlushOutcome& o = outcome[job.checkpoint_path];
      if (!o.write.ok()) continue;  // syncing makes sense only of what was written in full
      for (const int fd : job.fds) {
        fds.push_back(fd);
        fd_owner.push_back(&o);
      }
    }
    std::vector<int> sync_rc(fds.size());
    std::vector<double> sync_seconds(fds.size());
    in_parallel(fds.size(), [&](size_t i) {
      const auto started = std::chrono::steady_clock::now();
      sync_rc[i] = ::fdatasync(fds[i]);
      sync_seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    });
    for (size_t i = 0; i < fds.size(); ++i) {
      fsync_latency_->observe(sync_seconds[i]);
      if (sync_rc[i] != 0 && fd_owner[i]->sync.ok())
        fd_owner[i]->sync = Status(Errc::kIo, "fdatasync of a segment file failed");
    }
    const uint64_t synced = fds.size();
    for (const auto& job : round) {
      const FlushOutcome& o = outcome[job.checkpoint_path];
      if (o.write.ok() && o.sync.ok() && job.write_checkpoint) {
        auto [it, fresh] = durable.emplace(job.checkpoint_path, job.offset);
        if (!fresh) it->second = std::max(it->second, job.offset);
      }
    }
    // Each checkpoint costs two syncs of its own (the file, then its
    // directory): with many logs they too run side by side.
    std::vector<std::pair<const std::string*, int64_t>> checkpoints;
    for (const auto& [path, offset] : durable) checkpoints.emplace_back(&path, offset);
    std::vector<Status> checkpoint_status(checkpoints.size());
    in_parallel(checkpoints.size(), [&](size_t i) {
      checkpoint_status[i] = write_checkpoint(*checkpoints[i].first, checkpoints[i].second);
    });
    for (size_t i = 0; i < checkpoints.size(); ++i)
      outcome[*checkpoints[i].first].checkpoint = checkpoint_status[i];
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
