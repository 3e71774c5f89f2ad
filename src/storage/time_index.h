// TimeIndex: a segment's sparse map from the largest timestamp seen so far to
// the offset of the batch that first reached it, in Kafka's time index layout
// (12-byte big-endian entries: timestamp, offset relative to the segment's
// base). Timestamps strictly increase; batches with timestamps <= 0 are not
// indexed (they are still found by scanning).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "storage/index_file.h"

namespace runnel::storage {

struct TimestampOffset {
  int64_t timestamp;
  int64_t offset;
};

class TimeIndex {
 public:
  static constexpr size_t kEntrySize = 12;

  static Result<std::unique_ptr<TimeIndex>> open(const std::string& path, int64_t base_offset,
                                                 size_t max_bytes, bool active);

  bool full() const { return file_->full(); }
  size_t entries() const { return file_->entries(); }
  // Adds an entry if timestamp exceeds the last one; false only when full.
  bool maybe_append(int64_t timestamp, int64_t offset);
  // The last entry whose timestamp is below `timestamp`: every batch before
  // its offset has a smaller max timestamp. nullopt when none is.
  std::optional<TimestampOffset> lookup_before(int64_t timestamp) const;
  std::optional<TimestampOffset> last() const;
  // Drops entries at or after `offset` (a log truncated there).
  void truncate_to_offset(int64_t offset);

  Status flush() { return file_->flush(); }
  Status seal() { return file_->seal(); }
  int dup_fd() const { return file_->dup_fd(); }
  Status remove() { return file_->remove(); }

 private:
  TimeIndex(std::unique_ptr<IndexFile> file, int64_t base) : file_(std::move(file)), base_offset_(base) {}
  TimestampOffset at(size_t i) const;

  std::unique_ptr<IndexFile> file_;
  int64_t base_offset_;
};

}  // namespace runnel::storage
