#include "kafka/log_replay.h"

#include "protocol/compression.h"

namespace runnel::kafka {

Status for_each_batch(const storage::Log& log, int64_t from,
                      const std::function<void(const RecordBatchView&)>& fn) {
  from = std::max(from, log.log_start_offset());
  const int64_t end = log.end_offset();
  std::vector<uint8_t> chunk;
  while (from < end) {
    auto range = log.read(from, 1 << 20);
    if (!range.ok()) return range.status();
    if (range->length == 0) break;
    chunk.clear();
    if (Status s = storage::copy_range(*range, &chunk); !s.ok()) return s;
    int64_t next = from;
    for (RecordBatchIterator it(chunk); auto batch = it.next();) {
      fn(*batch);
      next = batch->next_offset();
    }
    if (next <= from) break;  // no progress: never loop on a damaged range
    from = next;
  }
  return Status();
}

Result<std::span<const uint8_t>> plain_records(const RecordBatchView& batch, std::vector<uint8_t>& scratch,
                                               size_t max_bytes) {
  if (batch.compression() == CompressionType::kNone) return batch.records_payload();
  auto decompressed = decompress(batch.compression(), batch.records_payload(), max_bytes);
  if (!decompressed.ok()) return decompressed.status();
  scratch = std::move(*decompressed);
  return std::span<const uint8_t>(scratch);
}

}  // namespace runnel::kafka
