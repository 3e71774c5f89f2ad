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
#include <optional>
#include <thread>
#include <vector>

namespace runnel {

namespace asio = boost::asio;

template <typename T>
using Task = asio::awaitable<T>;

// g++ 12 destroys the captures of a lambda written inside a co_await
// expression twice (`co_await f([p] { ... })` frees p early). Name the
// lambda first and pass the variable: `auto work = [p] { ... };
// co_await f(work);`. tools/check-coawait-lambdas.py enforces this.

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
  // Thread-safe: makes every shard's run() return (queued work is dropped;
  // shutdown drains before calling it).
  void stop();
  // Marks the calling thread as running `shard`, for tests and tools that
  // drive a shard's io_context by hand instead of through run().
  void enter(unsigned shard);
  // Runs `task` on `shard` (entered by the calling thread), driving that
  // shard's context from this thread until the task finishes; rethrows what
  // it threw. For tests and tools with a single shard.
  template <typename T>
  T run_task(unsigned shard, Task<T> task);

  // Runs `fn()` (a coroutine returning Task<R>) on `shard` and resumes the
  // caller on its own shard. On the caller's own shard it runs inline.
  // R must be default-constructible (Asio's completion signature needs it).
  template <typename R>
  Task<R> invoke_on(unsigned shard, std::function<Task<R>()> fn);

  // Runs fn on every shard concurrently and gathers the results by shard.
  template <typename R>
  Task<std::vector<R>> invoke_on_all(std::function<Task<R>(unsigned shard)> fn);
  // The same over the listed shards; results in the order of `shards`.
  template <typename R>
  Task<std::vector<R>> invoke_on_each(std::vector<unsigned> shards,
                                      std::function<Task<R>(unsigned shard)> fn);

  // Fire and forget: queue plain work on a shard.
  void post(unsigned shard, std::function<void()> fn) { asio::post(*contexts_[shard], std::move(fn)); }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::thread> threads_;
};

template <typename T>
T Shards::run_task(unsigned shard, Task<T> task) {
  enter(shard);
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(*contexts_[shard], std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
    done = true;
  });
  auto& context = *contexts_[shard];
  while (!done) {
    if (context.stopped()) context.restart();
    context.run_one();
  }
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

template <typename R>
Task<R> Shards::invoke_on(unsigned shard, std::function<Task<R>()> fn) {
  if (shard == current()) co_return co_await fn();
  auto caller = co_await asio::this_coro::executor;
  auto& target = *contexts_[shard];
  auto start = [&target, caller, fn = std::move(fn)](auto handler) mutable {
    // The handler resumes the caller's coroutine, so it must run on the
    // caller's shard: the completion is posted back there.
    asio::co_spawn(target, std::move(fn),
                   [caller, handler = std::move(handler)](std::exception_ptr e, R result) mutable {
                     asio::post(caller,
                                [handler = std::move(handler), e, result = std::move(result)]() mutable {
                                  std::move(handler)(e, std::move(result));
                                });
                   });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
      std::move(start), asio::use_awaitable);
}

template <typename R>
Task<std::vector<R>> Shards::invoke_on_all(std::function<Task<R>(unsigned shard)> fn) {
  std::vector<unsigned> all(count());
  for (unsigned s = 0; s < count(); ++s) all[s] = s;
  co_return co_await invoke_on_each<R>(std::move(all), std::move(fn));
}

template <typename R>
Task<std::vector<R>> Shards::invoke_on_each(std::vector<unsigned> shards,
                                            std::function<Task<R>(unsigned shard)> fn) {
  if (shards.empty()) co_return std::vector<R>{};
  if (shards.size() == 1 && shards[0] == current()) {
    std::vector<R> one;
    one.push_back(co_await fn(shards[0]));
    co_return one;
  }
  // Start every shard's part before awaiting any, so they run concurrently.
  auto caller = co_await asio::this_coro::executor;
  auto start = [this, caller, &shards, &fn](auto handler) {
    struct Gather {
      decltype(handler) done;
      std::vector<R> results;
      size_t pending;
      std::exception_ptr error;
    };
    auto gather = std::make_shared<Gather>(
        Gather{std::move(handler), std::vector<R>(shards.size()), shards.size(), nullptr});
    for (size_t i = 0; i < shards.size(); ++i) {
      unsigned s = shards[i];
      asio::co_spawn(
          *contexts_[s], [fn, s]() { return fn(s); },
          [caller, gather, i](std::exception_ptr e, R result) mutable {
            asio::post(caller, [gather, i, e, result = std::move(result)]() mutable {
              gather->results[i] = std::move(result);
              if (e && !gather->error) gather->error = e;
              if (--gather->pending == 0) std::move(gather->done)(gather->error, std::move(gather->results));
            });
          });
    }
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, std::vector<R>)>(std::move(start),
                                                                                    asio::use_awaitable);
}

}  // namespace runnel
