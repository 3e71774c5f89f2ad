// ProducerIdAllocator: the broker-wide source of producer ids for
// InitProducerId. Ids are reserved in blocks and the end of the reserved
// range is made durable before any id of the block is handed out, so no id
// is ever handed out twice, across restarts and crashes alike (a crash only
// skips the rest of its block).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "base/status.h"

namespace runnel::kafka {

// Kafka's controller hands out producer ids in blocks of this size too.
inline constexpr int64_t kProducerIdBlockSize = 1000;

// Single-threaded: lives on shard 0; other shards ask it with invoke_on.
class ProducerIdAllocator {
 public:
  // The allocator persisted in `<meta_dir>/producer-ids` (the directory must
  // exist). A missing file starts the ids at 0; an unreadable or corrupt one
  // is an error, since guessing could hand out an id again. Nothing is
  // written until the first next().
  static Result<ProducerIdAllocator> open(const std::string& meta_dir, int64_t block_size = kProducerIdBlockSize);

  // The next id. Reserving a new block writes and syncs the file (once per
  // block_size ids); if that fails, kIo, and the next call tries again.
  Result<int64_t> next();

  // The first id not yet reserved (what the file holds).
  int64_t reserved_end() const { return reserved_end_; }

 private:
  ProducerIdAllocator(std::string path, int64_t block_size, int64_t reserved_end)
      : path_(std::move(path)), block_size_(block_size), next_(reserved_end), reserved_end_(reserved_end) {}

  std::string path_;
  int64_t block_size_;
  int64_t next_;          // the id next() hands out, if below reserved_end_
  int64_t reserved_end_;  // durable: ids below it may have been handed out
};

}  // namespace runnel::kafka
