#include "storage/flusher.h"

#include <unistd.h>

#include <map>
#include <vector>

#include "storage/checkpoint_file.h"

namespace runnel::storage {

Flusher::Flusher(Post post) : post_(std::move(post)), thread_([this] { run(); }) {}

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
    // One sync per log: the newest job's file. Older jobs of the same log
    // point at the same file, or at a segment synced when it was sealed.
    std::map<std::string, size_t> newest;
    for (size_t i = 0; i < round.size(); ++i) {
      auto [it, fresh] = newest.emplace(round[i].checkpoint_path, i);
      if (!fresh && round[i].offset >= round[it->second].offset) it->second = i;
    }
    std::map<std::string, Status> outcome;
    uint64_t synced = 0;
    for (const auto& [path, i] : newest) {
      Status s;
      if (::fdatasync(round[i].fd) != 0) {
        s = Status(Errc::kIo, "fdatasync failed");
      } else {
        s = write_checkpoint(path, round[i].offset);
      }
      ++synced;
      outcome[path] = s;
    }
    for (auto& job : round) ::close(job.fd);
    {
      std::lock_guard<std::mutex> lock(mu_);
      syncs_ += synced;
    }
    for (auto& job : round) {
      Status s = outcome[job.checkpoint_path];
      post_([done = std::move(job.done), s] { done(s); });
    }
  }
}

}  // namespace runnel::storage
