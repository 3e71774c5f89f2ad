// Storage engine throughput beside raw-disk baselines measured in the same
// run on the same filesystem (RUNNEL_BENCH_DIR, default build/bench-data).
// Each Runnel figure names its baseline in its label; tools/bench-report.py
// prints the ratio.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/record_batch_builder.h"
#include "storage/flusher.h"
#include "storage/log.h"

namespace {

namespace fs = std::filesystem;
using runnel::storage::Log;

constexpr size_t kMiB = 1 << 20;
constexpr size_t kRunBytes = 256 * kMiB;  // per benchmark iteration batch of work

std::string bench_dir(const std::string& name) {
  const char* env = std::getenv("RUNNEL_BENCH_DIR");
  std::string dir = std::string(env ? env : "build/bench-data") + "/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// An aligned buffer for O_DIRECT.
struct Aligned {
  explicit Aligned(size_t n) {
    if (posix_memalign(&p, 4096, n) != 0) std::abort();
    std::memset(p, 'x', n);
  }
  ~Aligned() { std::free(p); }
  void* p = nullptr;
};

// Baseline: O_DIRECT sequential 1 MiB writes, fdatasync after each.
void BM_RawDirectWriteSyncPerMiB(benchmark::State& state) {
  std::string path = bench_dir("raw-sync") + "/file";
  Aligned buf(kMiB);
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    for (size_t off = 0; off < kRunBytes / 4; off += kMiB) {
      if (::pwrite(fd, buf.p, kMiB, static_cast<off_t>(off)) != static_cast<ssize_t>(kMiB)) std::abort();
      ::fdatasync(fd);
    }
    ::close(fd);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRunBytes / 4));
  state.SetLabel("baseline");
}
BENCHMARK(BM_RawDirectWriteSyncPerMiB)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Baseline: O_DIRECT sequential 1 MiB writes, no sync.
void BM_RawDirectWrite(benchmark::State& state) {
  std::string path = bench_dir("raw") + "/file";
  Aligned buf(kMiB);
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    for (size_t off = 0; off < kRunBytes; off += kMiB) {
      if (::pwrite(fd, buf.p, kMiB, static_cast<off_t>(off)) != static_cast<ssize_t>(kMiB)) std::abort();
    }
    ::close(fd);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRunBytes));
  state.SetLabel("baseline");
}
BENCHMARK(BM_RawDirectWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

std::vector<uint8_t> batch_16k() {
  runnel::RecordBatchBuilder b;
  std::string value(1000, 'v');
  for (int i = 0; i < 16; ++i) b.add("key", value, 1'700'000'000'000);
  return *b.build();
}

std::unique_ptr<Log> open_log(const std::string& dir) {
  auto log = Log::open(dir + "/kafka/t/0", runnel::storage::LogConfig{}, [] { return int64_t{1'700'000'000'000}; });
  if (!log.ok()) std::abort();
  return std::move(*log);
}

// Appends 16 KiB batches to the page cache, no durability wait.
void BM_LogAppend(benchmark::State& state) {
  std::string dir = bench_dir("append");
  auto batch = batch_16k();
  size_t bytes = 0;
  for (auto _ : state) {
    auto log = open_log(dir + "/" + std::to_string(bytes));
    for (size_t done = 0; done < kRunBytes; done += batch.size()) {
      if (!log->append(batch).ok()) std::abort();
      bytes += batch.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("vs BM_RawDirectWrite");
}
BENCHMARK(BM_LogAppend)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// acks=all: 64 appenders each append a 16 KiB batch and wait for its flush;
// the flusher's group commit serves them with one or two fdatasyncs.
void BM_LogDurableAppend64(benchmark::State& state) {
  std::string dir = bench_dir("durable");
  auto batch = batch_16k();
  std::deque<std::function<void()>> completions;
  std::mutex mu;
  std::condition_variable cv;
  runnel::storage::Flusher flusher([&](std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu);
    completions.push_back(std::move(fn));
    cv.notify_one();
  });
  size_t bytes = 0;
  int run = 0;
  for (auto _ : state) {
    auto log = open_log(dir + "/" + std::to_string(run++));
    for (size_t done = 0; done < kRunBytes / 4; done += 64 * batch.size()) {
      int waiting = 64;
      for (int i = 0; i < 64; ++i) {
        if (!log->append(batch).ok()) std::abort();
        log->flush_async(flusher, [&waiting](runnel::Status s) {
          if (!s.ok()) std::abort();
          --waiting;
        });
      }
      while (waiting > 0) {
        std::function<void()> fn;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return !completions.empty(); });
          fn = std::move(completions.front());
          completions.pop_front();
        }
        fn();
      }
      bytes += 64 * batch.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["fsyncs_per_MiB"] = benchmark::Counter(static_cast<double>(flusher.syncs()) / (static_cast<double>(bytes) / kMiB));
  state.SetLabel("vs BM_RawDirectWriteSyncPerMiB");
}
BENCHMARK(BM_LogDurableAppend64)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Baseline: plain sequential pread of a file in 1 MiB chunks (page cache warm).
void BM_RawSequentialRead(benchmark::State& state) {
  std::string path = bench_dir("raw-read") + "/file";
  {
    std::vector<char> chunk(kMiB, 'r');
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (size_t i = 0; i < 64; ++i) {
      if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) std::abort();
    }
    ::close(fd);
  }
  std::vector<char> buf(kMiB);
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_RDONLY);
    for (size_t off = 0; off < 64 * kMiB; off += kMiB) {
      if (::pread(fd, buf.data(), kMiB, static_cast<off_t>(off)) != static_cast<ssize_t>(kMiB)) std::abort();
    }
    ::close(fd);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 64 * kMiB));
  state.SetLabel("baseline");
}
BENCHMARK(BM_RawSequentialRead)->Unit(benchmark::kMillisecond)->UseRealTime();

// Tail read of the last 64 MiB through Log::read (boundaries found from the
// index) and pread into a 1 MiB buffer: what a catching-up fetch costs.
void BM_LogTailRead(benchmark::State& state) {
  std::string dir = bench_dir("read");
  auto log = open_log(dir);
  auto batch = batch_16k();
  for (size_t done = 0; done < 64 * kMiB; done += batch.size()) {
    if (!log->append(batch).ok()) std::abort();
  }
  std::vector<uint8_t> buf(kMiB + batch.size());
  size_t bytes = 0;
  for (auto _ : state) {
    int64_t offset = 0;
    while (offset < log->end_offset()) {
      auto range = log->read(offset, kMiB);
      if (!range.ok() || range->length == 0) std::abort();
      if (::pread(range->fd, buf.data(), range->length, static_cast<off_t>(range->position)) !=
          static_cast<ssize_t>(range->length)) {
        std::abort();
      }
      bytes += range->length;
      offset += static_cast<int64_t>(range->length / batch.size()) * 16;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("vs BM_RawSequentialRead");
}
BENCHMARK(BM_LogTailRead)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
