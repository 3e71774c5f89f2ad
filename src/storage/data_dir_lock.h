// DataDirLock: an exclusive flock(2) on `<data-dir>/.lock`, held while the
// object lives, so two runnel processes never share a data directory. The
// kernel drops the lock when the process dies, so a crash leaves no stale
// lock behind. (flock is advisory and unreliable on some network file
// systems; the data dir belongs on a local disk anyway.)
#pragma once

#include <string>

#include "base/status.h"

namespace runnel::storage {

class DataDirLock {
 public:
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  // Releases the lock.
  ~DataDirLock();

  const std::string& path() const { return path_; }

 private:
  friend Result<DataDirLock> lock_data_dir(const std::string& data_dir);
  DataDirLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

// Takes the lock without waiting. The directory must exist. Fails with
// kIo "another runnel process is using this data directory" when the lock
// is held, by another process or by another DataDirLock in this one. The
// holder's pid is written into the file for operators.
Result<DataDirLock> lock_data_dir(const std::string& data_dir);

}  // namespace runnel::storage
