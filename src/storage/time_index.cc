#include "storage/time_index.h"

#include "base/big_endian.h"

namespace runnel::storage {

Result<std::unique_ptr<TimeIndex>> TimeIndex::open(const std::string& path, int64_t base_offset,
                                                   size_t max_bytes, bool active) {
  IndexFile::EntryCheck check = [](const uint8_t* prev, const uint8_t* e) {
    auto ts = static_cast<int64_t>(load_u64(e));
    if (ts <= 0) return false;
    return prev == nullptr ||
           (ts > static_cast<int64_t>(load_u64(prev)) && load_u32(e + 8) >= load_u32(prev + 8));
  };
  auto file = IndexFile::open(path, kEntrySize, max_bytes, active ? &check : nullptr);
  if (!file.ok()) return file.status();
  return std::unique_ptr<TimeIndex>(new TimeIndex(std::move(*file), base_offset));
}

TimestampOffset TimeIndex::at(size_t i) const {
  const uint8_t* e = file_->entry(i);
  return {static_cast<int64_t>(load_u64(e)), base_offset_ + load_u32(e + 8)};
}

bool TimeIndex::maybe_append(int64_t timestamp, int64_t offset) {
  if (timestamp <= 0) return true;
  if (auto prev = last(); prev && timestamp <= prev->timestamp) return true;
  uint8_t e[kEntrySize];
  store_u64(e, static_cast<uint64_t>(timestamp));
  store_u32(e + 8, static_cast<uint32_t>(offset - base_offset_));
  return file_->append(e);
}

std::optional<TimestampOffset> TimeIndex::lookup_before(int64_t timestamp) const {
  size_t lo = 0, hi = file_->entries();  // first entry with ts >= target
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (at(mid).timestamp < timestamp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return std::nullopt;
  return at(lo - 1);
}

std::optional<TimestampOffset> TimeIndex::last() const {
  if (file_->entries() == 0) return std::nullopt;
  return at(file_->entries() - 1);
}

void TimeIndex::truncate_to_offset(int64_t offset) {
  size_t n = file_->entries();
  while (n > 0 && at(n - 1).offset >= offset) --n;
  file_->truncate_entries(n);
}

}  // namespace runnel::storage
