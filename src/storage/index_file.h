// IndexFile: a memory-mapped file of fixed-size entries, the shared body of a
// segment's offset index and time index. While a segment is active the file
// is preallocated to its maximum size and entries are written through the
// mapping; seal() trims it to the entries it holds. Only the mapping is in
// memory, so a closed segment's index costs page cache, not heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace runnel::storage {

class IndexFile {
 public:
  // Decides whether `entry` may follow `previous` (nullptr for the first
  // entry); the valid prefix of an unsealed file ends at the first refusal,
  // which is how zero-filled preallocated space and torn writes are found.
  using EntryCheck = std::function<bool(const uint8_t* previous, const uint8_t* entry)>;

  // Opens or creates `path`. With a check, the file is an active index that
  // may hold preallocated or torn space: only its valid prefix is kept, and
  // it may grow to max_bytes. Without one, it is a sealed index trusted as
  // it is (start-up never scans closed segments' indexes).
  static Result<std::unique_ptr<IndexFile>> open(const std::string& path, size_t entry_size, size_t max_bytes,
                                                 const EntryCheck* check);
  ~IndexFile();
  IndexFile(const IndexFile&) = delete;
  IndexFile& operator=(const IndexFile&) = delete;

  size_t entry_size() const { return entry_size_; }
  size_t entries() const { return entries_; }
  bool full() const { return (entries_ + 1) * entry_size_ > capacity_bytes_; }
  const uint8_t* entry(size_t i) const { return base_ + i * entry_size_; }
  const uint8_t* last() const { return entries_ == 0 ? nullptr : entry(entries_ - 1); }

  // Appends one entry; false when the file is full (the caller rolls).
  bool append(const uint8_t* entry);
  // Keeps only the first n entries.
  void truncate_entries(size_t n);
  // Makes the entries durable (msync).
  Status flush();
  // Trims the file to its entries; no appends after this. Syncs nothing:
  // the pages written through the mapping stay dirty in the page cache until
  // flush() or an fdatasync of dup_fd() (the flusher's) writes them.
  Status seal();
  // A new descriptor of the file, for a sync on another thread; -1 on failure.
  int dup_fd() const;
  // Removes the file.
  Status remove();

 private:
  IndexFile() = default;
  Status map(size_t bytes);
  // Allocates blocks for the first `bytes` (rounded up to kReserveStep, at
  // most the capacity); 0 or the errno of posix_fallocate.
  int reserve(size_t bytes);
  static constexpr size_t kReserveStep = 64 * 1024;

  std::string path_;
  int fd_ = -1;
  uint8_t* base_ = nullptr;
  size_t mapped_bytes_ = 0;
  size_t capacity_bytes_ = 0;
  // Bytes from the start whose blocks are allocated (see reserve()).
  size_t reserved_bytes_ = 0;
  size_t entry_size_ = 0;
  size_t entries_ = 0;
  bool sealed_ = false;
};

}  // namespace runnel::storage
