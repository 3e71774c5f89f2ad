#include "storage/index_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace runnel::storage {

Result<std::unique_ptr<IndexFile>> IndexFile::open(const std::string& path, size_t entry_size,
                                                   size_t max_bytes, const EntryCheck* check) {
  std::unique_ptr<IndexFile> index(new IndexFile());
  index->path_ = path;
  index->entry_size_ = entry_size;
  index->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (index->fd_ < 0) return Status(Errc::kIo, "cannot open index file");
  struct stat st;
  if (::fstat(index->fd_, &st) != 0) return Status(Errc::kIo, "cannot stat index file");
  auto existing = static_cast<size_t>(st.st_size) / entry_size * entry_size;
  index->sealed_ = check == nullptr;
  index->capacity_bytes_ =
      index->sealed_ ? existing : std::max(existing, max_bytes / entry_size * entry_size);
  if (static_cast<size_t>(st.st_size) > index->capacity_bytes_ &&
      ::ftruncate(index->fd_, static_cast<off_t>(index->capacity_bytes_)) != 0) {
    return Status(Errc::kIo, "cannot size index file");
  }
  // The file is sized to its capacity as a sparse file (so the mapping is
  // valid everywhere), and its blocks are reserved ahead of the entries
  // written, a step at a time: a store through the mapping into a hole on a
  // full disk would be SIGBUS instead of an error, while reserving the whole
  // capacity up front would cost every partition max_bytes of disk at once.
  if (static_cast<size_t>(st.st_size) < index->capacity_bytes_) {
    if (::ftruncate(index->fd_, static_cast<off_t>(index->capacity_bytes_)) != 0) {
      return Status(Errc::kIo,
                    errno == ENOSPC ? "no space left on the data device" : "cannot size index file");
    }
  }
  if (!index->sealed_) {
    int err = index->reserve(std::max(existing, entry_size));
    if (err != 0) {
      // Best effort: give back the size; the error below is what matters.
      if (::ftruncate(index->fd_, st.st_size) != 0) err = errno == ENOSPC ? ENOSPC : err;
      return Status(Errc::kIo, err == ENOSPC ? "no space left on the data device" : "cannot size index file");
    }
  }
  if (auto s = index->map(index->capacity_bytes_); !s.ok()) return s;
  const size_t limit = existing / entry_size;
  if (index->sealed_) {
    index->entries_ = limit;
  } else {
    // Count the valid prefix of what was there before.
    size_t n = 0;
    while (n < limit && (*check)(n == 0 ? nullptr : index->entry(n - 1), index->entry(n))) ++n;
    index->entries_ = n;
  }
  return index;
}

IndexFile::~IndexFile() {
  if (base_ != nullptr) ::munmap(base_, mapped_bytes_);
  if (fd_ >= 0) ::close(fd_);
}

Status IndexFile::map(size_t bytes) {
  if (base_ != nullptr) ::munmap(base_, mapped_bytes_);
  base_ = nullptr;
  mapped_bytes_ = 0;
  if (bytes == 0) return Status();
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) return Status(Errc::kIo, "cannot map index file");
  // Entries are touched one page at a time. With readahead, a fault on a
  // fresh page made the kernel read (zero-fill) a large window of the
  // reserved, still empty file: with 1,000 partitions that zeroing was half
  // of the broker's CPU under produce.
  (void)::madvise(p, bytes, MADV_RANDOM);
  base_ = static_cast<uint8_t*>(p);
  mapped_bytes_ = bytes;
  return Status();
}

int IndexFile::reserve(size_t bytes) {
  if (bytes <= reserved_bytes_) return 0;
  // Whole steps, never past the capacity.
  size_t target = std::min(capacity_bytes_, (bytes + kReserveStep - 1) / kReserveStep * kReserveStep);
  if (target <= reserved_bytes_) return 0;
  int err = ::posix_fallocate(fd_, static_cast<off_t>(reserved_bytes_),
                              static_cast<off_t>(target - reserved_bytes_));
  if (err == 0) reserved_bytes_ = target;
  return err;
}

bool IndexFile::append(const uint8_t* entry) {
  if (sealed_ || full()) return false;
  // No room reserved (disk full): the entry is skipped. The index is
  // sparse, so a lookup only scans a little more of the log.
  if (reserve((entries_ + 1) * entry_size_) != 0) return false;
  std::memcpy(base_ + entries_ * entry_size_, entry, entry_size_);
  ++entries_;
  return true;
}

void IndexFile::truncate_entries(size_t n) {
  if (n >= entries_) return;
  // Zero what is dropped so a later crash cannot resurrect it as a valid prefix.
  if (!sealed_) std::memset(base_ + n * entry_size_, 0, (entries_ - n) * entry_size_);
  entries_ = n;
}

Status IndexFile::flush() {
  if (mapped_bytes_ == 0 || entries_ == 0) return Status();
  if (::msync(base_, entries_ * entry_size_, MS_SYNC) != 0)
    return Status(Errc::kIo, "cannot sync index file");
  return Status();
}

Status IndexFile::seal() {
  if (sealed_) return Status();
  size_t bytes = entries_ * entry_size_;
  if (auto s = map(0); !s.ok()) return s;
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) return Status(Errc::kIo, "cannot trim index file");
  capacity_bytes_ = bytes;
  sealed_ = true;
  return map(bytes);
}

int IndexFile::dup_fd() const {
  return ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
}

Status IndexFile::remove() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return Status(Errc::kIo, "cannot remove index file");
  return Status();
}

}  // namespace runnel::storage
