// OwnerLoop: stands in for a shard's event loop in tests. The flusher posts
// completions here; they run on the test's thread when it drains them.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace runnel::storage {

class OwnerLoop {
 public:
  void post(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
    cv_.notify_one();
  }
  // Runs completions until `until` holds.
  void run_until(const std::function<bool()>& until) {
    while (!until()) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !queue_.empty(); });
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
};

}  // namespace runnel::storage
