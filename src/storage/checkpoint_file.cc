#include "storage/checkpoint_file.h"

#include <fcntl.h>
#include <unistd.h>

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
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Errc::kIo, "cannot create checkpoint file");
  char buf[32];
  int len = std::snprintf(buf, sizeof buf, "%lld\n", static_cast<long long>(value));
  bool ok = ::write(fd, buf, static_cast<size_t>(len)) == len && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Status(Errc::kIo, "cannot write checkpoint file");
  return Status();
}

}  // namespace runnel::storage
