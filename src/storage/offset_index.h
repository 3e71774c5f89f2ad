// OffsetIndex: a segment's sparse map from offset to the file position of the
// batch that starts there, in Kafka's index layout (8-byte big-endian entries:
// offset relative to the segment's base, then position). One entry is added
// per index.interval.bytes of log, never for position 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "storage/index_file.h"

namespace runnel::storage {

struct OffsetPosition {
  int64_t offset;
  uint32_t position;
};

class OffsetIndex {
 public:
  static constexpr size_t kEntrySize = 8;

  // active: the index may grow to max_bytes and its valid prefix is checked.
  static Result<std::unique_ptr<OffsetIndex>> open(const std::string& path, int64_t base_offset,
                                                   size_t max_bytes, bool active);

  bool full() const { return file_->full(); }
  size_t entries() const { return file_->entries(); }
  // Adds an entry; offsets and positions must increase. False when full.
  bool append(int64_t offset, uint32_t position);
  // The last entry at or before `offset`, or {base_offset, 0} when none is.
  OffsetPosition lookup(int64_t offset) const;
  // The last entry at or before file position `position`, or {base_offset, 0}.
  OffsetPosition floor_position(uint64_t position) const;
  // Drops entries at or after `position` (a log truncated there).
  void truncate_to_position(uint32_t position);
  OffsetPosition last() const;

  Status flush() { return file_->flush(); }
  Status seal() { return file_->seal(); }
  int dup_fd() const { return file_->dup_fd(); }
  Status remove() { return file_->remove(); }

 private:
  OffsetIndex(std::unique_ptr<IndexFile> file, int64_t base) : file_(std::move(file)), base_offset_(base) {}
  OffsetPosition at(size_t i) const;

  std::unique_ptr<IndexFile> file_;
  int64_t base_offset_;
};

}  // namespace runnel::storage
