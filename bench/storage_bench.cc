// Storage engine throughput beside raw-disk baselines measured in the same
// run on the same filesystem (RUNNEL_BENCH_DIR, default build/bench-data).
// Each Runnel figure names its baseline in its label; tools/bench-report.py
// prints the ratio.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/record_batch_builder.h"
#include "storage/flusher.h"
#include "storage/log.h"
#include "storage/open_segment_cache.h"

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

// Reads a range's bytes into `out` (room for them), from memory or the file,
// as a reader that needs them in user space would: no zero-filled buffer
// in between (fetch sends them with sendfile or from memory directly).
void read_range(const runnel::storage::ReadRange& range, uint8_t* out) {
  if (!range.memory.empty()) {
    for (const auto& piece : range.memory) {
      std::memcpy(out, piece.data, piece.length);
      out += piece.length;
    }
    return;
  }
  if (::pread(range.fd, out, range.length, static_cast<off_t>(range.position)) !=
      static_cast<ssize_t>(range.length)) {
    std::abort();
  }
}

std::vector<uint8_t> batch_16k() {
  runnel::RecordBatchBuilder b;
  std::string value(1000, 'v');
  for (int i = 0; i < 16; ++i) b.add("key", value, 1'700'000'000'000);
  return *b.build();
}

std::unique_ptr<Log> open_log(const std::string& dir) {
  auto log =
      Log::open(dir + "/kafka/t/0", runnel::storage::LogConfig{}, [] { return int64_t{1'700'000'000'000}; });
  if (!log.ok()) std::abort();
  return std::move(*log);
}

// The owner's side of a Flusher: completions queue here and run on the
// benchmark's thread, as they would on a shard's loop.
class FlushOwner {
 public:
  FlushOwner()
      : flusher_([this](std::function<void()> fn) {
          std::lock_guard<std::mutex> lock(mu_);
          completions_.push_back(std::move(fn));
          cv_.notify_one();
        }) {}
  runnel::storage::Flusher& flusher() { return flusher_; }
  // Runs the completions that have arrived, without waiting.
  void run_ready() {
    for (;;) {
      std::function<void()> fn;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (completions_.empty()) return;
        fn = std::move(completions_.front());
        completions_.pop_front();
      }
      fn();
    }
  }
  // Flushes everything appended to `log` and waits for it.
  void flush(Log& log) {
    bool flushed = false;
    log.flush_async(flusher_, [&flushed](runnel::Status s) {
      if (!s.ok()) std::abort();
      flushed = true;
    });
    run_until([&] { return flushed; });
  }
  // Runs completions until `done` holds.
  void run_until(const std::function<bool()>& done) {
    while (!done()) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !completions_.empty(); });
        fn = std::move(completions_.front());
        completions_.pop_front();
      }
      fn();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> completions_;
  runnel::storage::Flusher flusher_;  // last: its thread posts into the members above
};

// Appends 16 KiB batches without waiting for durability, as an acks=1
// producer does: the broker's background flush (flush_if_due) writes them
// out behind the appender, and an appender more than the unflushed limit
// ahead waits, as the broker's would. Timed until every byte is on disk.
void BM_LogAppend(benchmark::State& state) {
  std::string dir = bench_dir("append");
  auto batch = batch_16k();
  FlushOwner owner;
  size_t bytes = 0;
  int run = 0;
  for (auto _ : state) {
    auto log = open_log(dir + "/" + std::to_string(run++));
    for (size_t done = 0; done < kRunBytes; done += batch.size()) {
      if (!log->append(batch).ok()) std::abort();
      bytes += batch.size();
      owner.run_ready();
      log->flush_if_due(owner.flusher());
      if (log->unflushed_bytes() > Log::kMaxUnflushedBytes) owner.flush(*log);
    }
    owner.flush(*log);
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
  FlushOwner owner;
  size_t bytes = 0;
  int run = 0;
  for (auto _ : state) {
    auto log = open_log(dir + "/" + std::to_string(run++));
    for (size_t done = 0; done < kRunBytes / 4; done += 64 * batch.size()) {
      int waiting = 64;
      for (int i = 0; i < 64; ++i) {
        if (!log->append(batch).ok()) std::abort();
        log->flush_async(owner.flusher(), [&waiting](runnel::Status s) {
          if (!s.ok()) std::abort();
          --waiting;
        });
      }
      owner.run_until([&] { return waiting == 0; });
      bytes += 64 * batch.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["fsyncs_per_MiB"] =
      benchmark::Counter(static_cast<double>(owner.flusher().syncs()) / (static_cast<double>(bytes) / kMiB));
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
// index), copied into a buffer: what a fetch near the end costs. The log is
// flushed first, as a running broker's would be: its newest
// cached_tail_bytes come from the log's memory, the rest from the file
// (the page cache once read).
void BM_LogTailRead(benchmark::State& state) {
  std::string dir = bench_dir("read");
  auto log = open_log(dir);
  auto batch = batch_16k();
  for (size_t done = 0; done < 64 * kMiB; done += batch.size()) {
    if (!log->append(batch).ok()) std::abort();
  }
  if (!log->flush().ok()) std::abort();
  std::vector<uint8_t> buf(kMiB + batch.size());
  size_t bytes = 0;
  for (auto _ : state) {
    int64_t offset = 0;
    while (offset < log->end_offset()) {
      auto range = log->read(offset, kMiB);
      if (!range.ok() || range->length == 0) std::abort();
      read_range(*range, buf.data());
      bytes += range->length;
      offset += static_cast<int64_t>(range->length / batch.size()) * 16;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("vs BM_RawSequentialRead");
}
BENCHMARK(BM_LogTailRead)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

namespace {

// Start-up of 1,000 partitions × 10 segments. "Clean": every log flushed at
// shutdown, so only the active segment's tail past the checkpoint is read.
// "Unclean": the last segment of each log was never flushed (as after a
// crash between periodic flushes), so recovery verifies it batch by batch.
// Files are in the page cache (warm), so this measures our work, not the disk.
constexpr int kPartitions = 1000;
constexpr int kSegmentsPerPartition = 10;

runnel::storage::LogConfig recovery_config(runnel::storage::OpenSegmentCache* cache) {
  runnel::storage::LogConfig config;
  config.segment_bytes = 16 << 10;
  config.segment.max_index_bytes = 64 << 10;
  config.segment.open_files = cache;
  return config;
}

std::string prepare_partitions(const std::string& name, bool clean) {
  std::string dir = bench_dir(name);
  runnel::storage::OpenSegmentCache cache(256);
  runnel::RecordBatchBuilder b;
  for (int i = 0; i < 4; ++i) b.add("key", std::string(1000, 'v'), 1'700'000'000'000);
  auto batch = *b.build();
  for (int p = 0; p < kPartitions; ++p) {
    auto log = std::move(*Log::open(dir + "/kafka/t/" + std::to_string(p), recovery_config(&cache),
                                    [] { return int64_t{1'700'000'000'000}; }));
    while (log->segment_count() < kSegmentsPerPartition) {
      if (!log->append(batch).ok()) std::abort();
      if (!clean && log->segment_count() == kSegmentsPerPartition - 1 && log->recovery_point() == 0) {
        if (!log->flush().ok()) std::abort();  // everything but the last segment is checkpointed
      }
    }
    // A partly filled active segment, as a running broker would leave it.
    for (int i = 0; i < 2; ++i) {
      if (!log->append(batch).ok()) std::abort();
    }
    if (clean && !log->flush().ok()) std::abort();
  }
  return dir;
}

void recover_all(benchmark::State& state, bool clean) {
  std::string dir = prepare_partitions(clean ? "recover-clean" : "recover-unclean", clean);
  for (auto _ : state) {
    runnel::storage::OpenSegmentCache cache(1000);
    std::vector<std::unique_ptr<Log>> logs;
    logs.reserve(kPartitions);
    int scanned = 0;
    for (int p = 0; p < kPartitions; ++p) {
      auto log = Log::open(dir + "/kafka/t/" + std::to_string(p), recovery_config(&cache),
                           [] { return int64_t{1'700'000'000'000}; });
      if (!log.ok()) std::abort();
      scanned += (*log)->recovery().segments_scanned;
      logs.push_back(std::move(*log));
    }
    state.counters["segments_scanned"] = scanned;
  }
  state.counters["partitions"] = kPartitions;
}

void BM_RecoverClean1000Partitions(benchmark::State& state) {
  recover_all(state, true);
}
BENCHMARK(BM_RecoverClean1000Partitions)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_RecoverUnclean1000Partitions(benchmark::State& state) {
  recover_all(state, false);
}
BENCHMARK(BM_RecoverUnclean1000Partitions)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

namespace {

// Evicts a file's pages from the page cache so the next read goes to disk.
void drop_from_cache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) std::abort();
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

constexpr size_t kColdBytes = 1024 * kMiB;

// Baseline: sequential 1 MiB preads of a 1 GiB file not in the page cache.
void BM_RawSequentialReadCold(benchmark::State& state) {
  std::string path = bench_dir("raw-cold") + "/file";
  {
    std::vector<char> chunk(kMiB, 'r');
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (size_t done = 0; done < kColdBytes; done += kMiB) {
      if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) std::abort();
    }
    ::close(fd);
  }
  std::vector<char> buf(kMiB);
  for (auto _ : state) {
    state.PauseTiming();
    drop_from_cache(path);
    state.ResumeTiming();
    int fd = ::open(path.c_str(), O_RDONLY);
    for (size_t off = 0; off < kColdBytes; off += kMiB) {
      if (::pread(fd, buf.data(), kMiB, static_cast<off_t>(off)) != static_cast<ssize_t>(kMiB)) std::abort();
    }
    ::close(fd);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kColdBytes));
  state.SetLabel("baseline");
}
BENCHMARK(BM_RawSequentialReadCold)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// A consumer catching up from offset 0 on a 1 GiB log not in the page cache.
void BM_LogCatchUpReadCold(benchmark::State& state) {
  std::string dir = bench_dir("cold");
  auto log = open_log(dir);
  auto batch = batch_16k();
  for (size_t done = 0; done < kColdBytes; done += batch.size()) {
    if (!log->append(batch).ok()) std::abort();
  }
  if (!log->flush().ok()) std::abort();
  std::vector<uint8_t> buf(kMiB + batch.size());
  size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (size_t i = 0; i < log->segment_count(); ++i) drop_from_cache(log->segment(i).log_path());
    state.ResumeTiming();
    int64_t offset = 0;
    while (offset < log->end_offset()) {
      auto range = log->read(offset, kMiB);
      if (!range.ok() || range->length == 0) std::abort();
      read_range(*range, buf.data());
      bytes += range->length;
      offset += static_cast<int64_t>(range->length / batch.size()) * 16;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("vs BM_RawSequentialReadCold");
}
BENCHMARK(BM_LogCatchUpReadCold)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
