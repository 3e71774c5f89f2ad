#include "storage/open_segment_cache.h"

#include "storage/segment.h"

namespace runnel::storage {

void OpenSegmentCache::touch(Segment* segment) {
  if (auto it = where_.find(segment); it != where_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(segment);
  where_[segment] = lru_.begin();
  while (lru_.size() > max_open_ && lru_.size() > 1) {
    Segment* victim = lru_.back();
    lru_.pop_back();
    where_.erase(victim);
    victim->close_files();
  }
}

void OpenSegmentCache::forget(Segment* segment) {
  if (auto it = where_.find(segment); it != where_.end()) {
    lru_.erase(it->second);
    where_.erase(it);
  }
}

}  // namespace runnel::storage
