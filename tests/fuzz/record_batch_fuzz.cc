// libFuzzer target: any bytes as back-to-back v2 record batches, the way a
// Produce request's records field or a log segment arrives. Every batch is
// validated; records of uncompressed batches are iterated; compressed ones
// are decompressed under a bound and their records validated. Nothing may
// crash, hang or allocate beyond the bound, and the checks must agree with
// each other (see the aborts below).
//
// The first input byte picks the options, so one corpus explores them all:
//   bit 0  producer rules (consecutive offsets) instead of stored-batch rules
//   bit 1  fix each batch's CRC before validating, so mutations reach the
//          header and record checks that a CRC mismatch would otherwise hide
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
constexpr size_t kMaxBatchBytes = 4 << 20;

void check(bool condition) {
  if (!condition) std::abort();
}

// Walks the records and cross-checks the iterator against validate_records.
void walk_records(std::span<const uint8_t> payload, const runnel::RecordBatchView& batch, bool consecutive) {
  using namespace runnel;
  Status verdict = validate_records(payload, batch.record_count(), batch.last_offset_delta(), consecutive);
  int32_t seen = 0;
  Status walked = for_each_record(payload, batch.record_count(), [&](const RecordView& rec) {
    auto headers = decode_headers(rec);
    check(headers.size() == static_cast<size_t>(rec.header_count));
    size_t n = 0;
    RecordHeaderIterator it(rec);
    RecordHeaderView h;
    while (it.next(&h)) check(h == headers[n++]);
    check(n == headers.size());
    ++seen;
  });
  // A payload that validates iterates cleanly over exactly its count.
  if (verdict.ok()) check(walked.ok() && seen == batch.record_count());
  // The record walk is the only record-level check, so its failures are the validator's.
  if (!walked.ok()) check(!verdict.ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace runnel;
  if (size == 0) return 0;
  const bool consecutive = (data[0] & 1) != 0;
  const bool fix_crc = (data[0] & 2) != 0;
  RecordBatchIterator batches(std::span<const uint8_t>(data + 1, size - 1), kMaxBatchBytes);
  size_t consumed = 0;
  while (auto next = batches.next()) {
    consumed += next->size_bytes();
    check(next->size_bytes() >= kRecordBatchHeaderSize && next->magic() == kRecordBatchMagic);
    // Header accessors must be safe on any field values (no signed overflow).
    check(next->next_offset() != next->last_offset());
    check(next->records_payload().size() == next->size_bytes() - kRecordBatchHeaderSize);

    std::vector<uint8_t> owned(next->bytes().begin(), next->bytes().end());
    if (fix_crc) rewrite_crc(owned);
    auto reparsed = RecordBatchView::parse(owned, kMaxBatchBytes);
    check(reparsed.ok());
    const RecordBatchView& batch = *reparsed;

    BatchValidation rules;
    rules.require_consecutive_offsets = consecutive;
    Status status = batch.validate(rules);
    if (fix_crc) check(status.code() != Errc::kCorrupt);

    // The broker's in-place edits keep whatever verdict the batch had: offset
    // and epoch lie outside the CRC, and the timestamp edit rewrites it.
    if (status.ok()) {
      set_base_offset(owned, 1234567);
      set_partition_leader_epoch(owned, 7);
      set_max_timestamp(owned, TimestampType::kLogAppendTime, 1'700'000'000'000);
      auto edited = RecordBatchView::parse(owned, kMaxBatchBytes);
      check(edited.ok() && edited->validate(rules).ok());
      check(edited->base_offset() == 1234567 && edited->timestamp_type() == TimestampType::kLogAppendTime);
    }

    auto view = RecordBatchView::parse(owned, kMaxBatchBytes);
    std::span<const uint8_t> payload = view->records_payload();
    std::vector<uint8_t> plain;
    if (view->compression() != CompressionType::kNone) {
      if (static_cast<unsigned>(view->compression()) > static_cast<unsigned>(CompressionType::kZstd)) {
        check(!status.ok());
        continue;
      }
      auto out = decompress(view->compression(), payload, kDecompressLimit);
      if (!out.ok()) continue;
      check(out->size() <= kDecompressLimit);
      plain = std::move(*out);
      payload = plain;
    } else if (status.ok()) {
      check(validate_records(payload, view->record_count(), view->last_offset_delta(), consecutive).ok());
    }
    walk_records(payload, *view, consecutive);
  }
  check(consumed + batches.remaining() == size - 1);
  check(batches.status().ok() == (batches.remaining() == 0));
  return 0;
}
