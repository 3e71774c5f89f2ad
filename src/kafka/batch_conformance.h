// What the broker checks and changes in a produced batch beyond its framing
// and CRC, as Kafka's log validator does: the records inside compressed
// batches, keys on compacted topics, and the topic's compression.type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/error_code.h"
#include "protocol/compression.h"
#include "protocol/record_batch.h"

namespace runnel::kafka {

struct BatchRules {
  bool require_keys = false;                   // cleanup.policy includes compact
  std::optional<CompressionType> compression;  // nullopt: keep the producer's codec
  size_t max_batch_bytes = 1048588;            // max.message.bytes, for a rewritten batch
};

struct Conformance {
  ErrorCode error = ErrorCode::kNone;
  std::string message;
  // Set when the batch had to be rewritten (recompressed): append this
  // instead of the producer's bytes.
  std::optional<std::vector<uint8_t>> rewritten;
};

// `batch` has passed RecordBatchView::validate (framing, CRC, uncompressed
// records). Uncompressed batches with nothing to change cost one pass over
// the records only when keys are required.
Conformance conform_batch(const RecordBatchView& batch, const BatchRules& rules);

}  // namespace runnel::kafka
