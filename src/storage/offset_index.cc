#include "storage/offset_index.h"

#include "base/big_endian.h"

namespace runnel::storage {

Result<std::unique_ptr<OffsetIndex>> OffsetIndex::open(const std::string& path, int64_t base_offset,
                                                       size_t max_bytes, bool active) {
  // Preallocated space is zeros, and no entry has position 0: the valid
  // prefix ends at the first entry that does not move both fields forward.
  IndexFile::EntryCheck check = [](const uint8_t* prev, const uint8_t* e) {
    uint32_t pos = load_u32(e + 4);
    if (pos == 0) return false;
    return prev == nullptr || (load_u32(e) > load_u32(prev) && pos > load_u32(prev + 4));
  };
  auto file = IndexFile::open(path, kEntrySize, max_bytes, active ? &check : nullptr);
  if (!file.ok()) return file.status();
  return std::unique_ptr<OffsetIndex>(new OffsetIndex(std::move(*file), base_offset));
}

OffsetPosition OffsetIndex::at(size_t i) const {
  const uint8_t* e = file_->entry(i);
  return {base_offset_ + load_u32(e), load_u32(e + 4)};
}

bool OffsetIndex::append(int64_t offset, uint32_t position) {
  uint8_t e[kEntrySize];
  store_u32(e, static_cast<uint32_t>(offset - base_offset_));
  store_u32(e + 4, position);
  return file_->append(e);
}

OffsetPosition OffsetIndex::lookup(int64_t offset) const {
  size_t lo = 0, hi = file_->entries();  // first entry with offset > target
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (at(mid).offset <= offset) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? OffsetPosition{base_offset_, 0} : at(lo - 1);
}

OffsetPosition OffsetIndex::floor_position(uint64_t position) const {
  size_t lo = 0, hi = file_->entries();  // first entry past the position
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (at(mid).position <= position) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? OffsetPosition{base_offset_, 0} : at(lo - 1);
}

OffsetPosition OffsetIndex::last() const {
  return file_->entries() == 0 ? OffsetPosition{base_offset_, 0} : at(file_->entries() - 1);
}

void OffsetIndex::truncate_to_position(uint32_t position) {
  size_t n = file_->entries();
  while (n > 0 && at(n - 1).position >= position) --n;
  file_->truncate_entries(n);
}

}  // namespace runnel::storage
