// OpenSegmentCache: bounds how many sealed segments keep their files open
// (one log descriptor and two index mappings each), least recently used
// first out, so a shard with 10,000 partitions of many segments does not run
// out of descriptors. Active segments are never evicted. One per shard; not
// thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <unordered_map>

namespace runnel::storage {

class Segment;

class OpenSegmentCache {
 public:
  explicit OpenSegmentCache(size_t max_open) : max_open_(max_open) {}

  // Marks `segment` (whose files are open) as just used, closing the least
  // recently used others beyond the limit.
  void touch(Segment* segment);
  // Drops `segment` from the cache (it closed its files or is going away).
  void forget(Segment* segment);
  size_t open_count() const { return lru_.size(); }

 private:
  size_t max_open_;
  std::list<Segment*> lru_;  // most recent first
  std::unordered_map<Segment*, std::list<Segment*>::iterator> where_;
};

}  // namespace runnel::storage
