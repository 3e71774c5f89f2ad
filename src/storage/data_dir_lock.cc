#include "storage/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace runnel::storage {

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  // Closing the only descriptor of the open file releases the flock. The
  // file stays: unlinking it would let a process that opened the old file
  // and one that creates a new one both hold "the" lock.
  if (fd_ >= 0) ::close(fd_);
}

Result<DataDirLock> lock_data_dir(const std::string& data_dir) {
  std::string path = data_dir + "/.lock";
  // O_CLOEXEC: a child that execs must not keep the broker's lock alive.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Errc::kIo, "cannot open the data directory's lock file");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return Status(Errc::kIo, "another runnel process is using this data directory");
    return Status(Errc::kIo, "cannot lock the data directory");
  }
  // Informational only; the lock is the flock, not the content.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t n = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return DataDirLock(fd, std::move(path));
}

}  // namespace runnel::storage
