// Reading a partition's log back batch by batch, for state rebuilt from it at
// start-up: idempotent-producer state, committed offsets and group metadata.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/status.h"
#include "protocol/record_batch.h"
#include "storage/log.h"

namespace runnel::kafka {

// Calls fn for every batch from `from` (at least the log start offset) to
// the log's end, in order, reading 1 MiB at a time.
Status for_each_batch(const storage::Log& log, int64_t from, const std::function<void(const RecordBatchView&)>& fn);

// The records payload of a batch in plain form: the batch's own bytes, or
// decompressed into `scratch` (bounded by max_bytes).
Result<std::span<const uint8_t>> plain_records(const RecordBatchView& batch, std::vector<uint8_t>& scratch,
                                               size_t max_bytes);

}  // namespace runnel::kafka
