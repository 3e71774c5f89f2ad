// O_DIRECT sequential writes with an fdatasync per MiB: what the data dir's
// disk can make durable, the ceiling for acks=all. See baselines.h.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <random>

#include "benchtool/baselines.h"
#include "benchtool/producer_pool.h"
#include "benchtool/stop_flag.h"

namespace runnel::benchtool {

BenchResult run_odirect(const std::string& dir, std::int64_t total_bytes, double max_seconds,
                        const std::string& id) {
  BenchResult r;
  r.id = id;
  r.workload = "odirect";
  r.target = "disk";
  r.params = "1MiB O_DIRECT writes + fdatasync each, in " + dir;
  constexpr std::size_t kChunk = 1 << 20;
  const std::string path = dir + "/odirect.bench";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
  if (fd < 0) {
    r.error = "open O_DIRECT " + path + ": " + std::strerror(errno);
    return r;
  }
  // Pre-allocated, as a log segment would be: this measures data, not extent
  // allocation (the allocation is also journalled at each fdatasync otherwise).
  if (int e = ::posix_fallocate(fd, 0, total_bytes); e != 0) {
    r.error = "posix_fallocate: " + std::string(std::strerror(e));
    ::close(fd);
    ::unlink(path.c_str());
    return r;
  }
  void* raw = nullptr;
  if (::posix_memalign(&raw, 4096, kChunk) != 0) {
    r.error = "posix_memalign failed";
    ::close(fd);
    ::unlink(path.c_str());
    return r;
  }
  std::unique_ptr<char, decltype(&::free)> buf(static_cast<char*>(raw), &::free);
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < kChunk; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(buf.get() + i, &v, 8);
  }
  const std::int64_t start = steady_ns();
  const std::int64_t deadline = start + static_cast<std::int64_t>(max_seconds * 1e9);
  std::int64_t written = 0;
  while (written + static_cast<std::int64_t>(kChunk) <= total_bytes && steady_ns() < deadline &&
         !stop_requested()) {
    ssize_t w = ::pwrite(fd, buf.get(), kChunk, written);
    if (w != static_cast<ssize_t>(kChunk)) {
      r.error = std::string("pwrite: ") + (w < 0 ? std::strerror(errno) : "short write");
      break;
    }
    if (::fdatasync(fd) != 0) {
      r.error = std::string("fdatasync: ") + std::strerror(errno);
      break;
    }
    written += static_cast<std::int64_t>(kChunk);
    ++r.records;
  }
  r.seconds = static_cast<double>(steady_ns() - start) / 1e9;
  r.bytes = written;
  ::close(fd);
  ::unlink(path.c_str());
  return r;
}

}  // namespace runnel::benchtool
