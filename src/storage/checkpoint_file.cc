#include "storage/checkpoint_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace runnel::storage {

Result<std::optional<int64_t>> read_checkpoint(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<int64_t>();
    return Status(Errc::kIo, "cannot open checkpoint file");
  }
  char buf[32] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return Status(Errc::kInvalidValue, "empty checkpoint file");
  char* end = nullptr;
  long long value = std::strtoll(buf, &end, 10);
  if (end == buf || (*end != '\n' && *end != '\0') || value < 0) {
    return Status(Errc::kInvalidValue, "malformed checkpoint file");
  }
  return std::optional<int64_t>(value);
}

Status write_checkpoint(const std::string& path, int64_t value) {
  // A log's owner thread (blocking flush) and the shard's flusher thread may
  // write the same checkpoint at once; each writer needs its own temporary.
  static std::atomic<uint64_t> next_tmp{0};
  std::string tmp = path + ".tmp." + std::to_string(next_tmp.fetch_add(1, std::memory_order_relaxed));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Errc::kIo, "cannot create checkpoint file");
  char buf[32];
  int len = std::snprintf(buf, sizeof buf, "%lld\n", static_cast<long long>(value));
  bool ok = ::write(fd, buf, static_cast<size_t>(len)) == len && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status(Errc::kIo, "cannot write checkpoint file");
  }
  // The rename, and every segment file created in this directory since the
  // last checkpoint, survive a power cut only once the directory is synced:
  // without it an acknowledged batch in a freshly rolled segment could
  // vanish with its directory entry.
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status(Errc::kIo, "cannot open log directory to sync it");
  bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  if (!synced) return Status(Errc::kIo, "cannot sync log directory");
  return Status();
}

}  // namespace runnel::storage
