// libFuzzer target: any bytes as back-to-back v2 record batches, the way a
// Produce request's records field or a log segment arrives. Every batch is
// validated; records of uncompressed batches are iterated; compressed ones
// are decompressed under a bound and their records validated. Nothing may
// crash, hang or allocate beyond the bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocol/compression.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"

namespace {
constexpr size_t kDecompressLimit = 1 << 20;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace runnel;
  RecordBatchIterator batches(std::span<const uint8_t>(data, size), 4 << 20);
  while (auto next = batches.next()) {
    const RecordBatchView& batch = *next;
    BatchValidation rules;
    rules.require_consecutive_offsets = (data[0] & 1) != 0;
    // The CRC blocks almost every mutation; also look past it so the record
    // walker gets fuzzed.
    (void)batch.validate(rules);
    std::span<const uint8_t> payload = batch.records_payload();
    std::vector<uint8_t> plain;
    if (batch.compression() != CompressionType::kNone) {
      if (static_cast<unsigned>(batch.compression()) > 4) continue;
      auto out = decompress(batch.compression(), payload, kDecompressLimit);
      if (!out.ok()) continue;
      plain = std::move(*out);
      payload = plain;
    }
    Status status = validate_records(payload, batch.record_count(), batch.last_offset_delta(),
                                     rules.require_consecutive_offsets);
    RecordIterator it(payload, batch.record_count());
    RecordView rec;
    int32_t seen = 0;
    while (it.next(&rec)) {
      auto headers = decode_headers(rec);
      if (headers.size() != static_cast<size_t>(rec.header_count)) std::abort();
      ++seen;
    }
    // A batch that validates must iterate cleanly over exactly its count.
    if (status.ok() && (!it.status().ok() || seen != batch.record_count())) std::abort();
  }
  return 0;
}
