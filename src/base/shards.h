// Shards: the thread-per-core runtime. Shard i is one thread running its own
// Asio io_context; whatever a shard owns (partitions, connections, groups) is
// touched only on that thread, so the data path takes no locks. Work crosses
// shards as a message: `co_await shards.invoke_on(i, fn)` runs fn's coroutine
// on shard i and resumes the caller on its own shard with the result.
// This header pulls in Asio: include it only where coroutines run.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace runnel {

namespace asio = boost::asio;

template <typename T>
using Task = asio::awaitable<T>;

class Shards {
 public:
  explicit Shards(unsigned count);
  ~Shards();
  Shards(const Shards&) = delete;
  Shards& operator=(const Shards&) = delete;

  unsigned count() const { return static_cast<unsigned>(contexts_.size()); }
  asio::io_context& context(unsigned shard) { return *contexts_[shard]; }
  // The shard whose thread is calling; count() when called off every shard.
  unsigned current() const;

  // Runs every shard (1..n-1 on new threads, 0 on the caller) until stop();
  // returns once all of them have drained and their threads have joined.
  void run();
  // Thread-safe: lets every shard's run() return once its queued work is done.
  void stop();

  // Runs `fn()` (a coroutine returning Task<R>) on `shard` and resumes the
  // caller on its own shard. On the caller's own shard it runs inline.
  // R must be default-constructible (Asio's completion signature needs it).
  template <typename R>
  Task<R> invoke_on(unsigned shard, std::function<Task<R>()> fn);

  // Runs fn on every shard concurrently and gathers the results by shard.
  template <typename R>
  Task<std::vector<R>> invoke_on_all(std::function<Task<R>(unsigned shard)> fn);

  // Fire and forget: queue plain work on a shard.
  void post(unsigned shard, std::function<void()> fn) { asio::post(*contexts_[shard], std::move(fn)); }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::thread> threads_;
};

template <typename R>
Task<R> Shards::invoke_on(unsigned shard, std::function<Task<R>()> fn) {
  if (shard == current()) co_return co_await fn();
  auto caller = co_await asio::this_coro::executor;
  auto& target = *contexts_[shard];
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
      [&target, caller, fn = std::move(fn)](auto handler) mutable {
        // The handler resumes the caller's coroutine, so it must run on the
        // caller's shard: the completion is posted back there.
        asio::co_spawn(target, std::move(fn),
                       [caller, handler = std::move(handler)](std::exception_ptr e, R result) mutable {
                         asio::post(caller, [handler = std::move(handler), e, result = std::move(result)]() mutable {
                           std::move(handler)(e, std::move(result));
                         });
                       });
      },
      asio::use_awaitable);
}

template <typename R>
Task<std::vector<R>> Shards::invoke_on_all(std::function<Task<R>(unsigned shard)> fn) {
  // Start every shard's part before awaiting any, so they run concurrently.
  struct Gather {
    std::vector<R> results;
    unsigned pending;
    std::exception_ptr error;
  };
  auto caller = co_await asio::this_coro::executor;
  auto gather = std::make_shared<Gather>(Gather{std::vector<R>(count()), count(), nullptr});
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, std::vector<R>)>(
      [this, caller, gather, fn = std::move(fn)](auto handler) mutable {
        auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
        for (unsigned s = 0; s < count(); ++s) {
          asio::co_spawn(*contexts_[s], [fn, s]() { return fn(s); },
                         [caller, gather, shared_handler, s](std::exception_ptr e, R result) mutable {
                           asio::post(caller, [gather, shared_handler, s, e, result = std::move(result)]() mutable {
                             gather->results[s] = std::move(result);
                             if (e && !gather->error) gather->error = e;
                             if (--gather->pending == 0) {
                               std::move (*shared_handler)(gather->error, std::move(gather->results));
                             }
                           });
                         });
        }
      },
      asio::use_awaitable);
}

}  // namespace runnel
