// Records inside a v2 record batch: a bounds-checked view of one record and
// an iterator over a batch's (uncompressed) records payload. Views point into
// the payload; nothing is copied or allocated while iterating.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"
#include "base/status.h"

namespace runnel {

struct RecordHeaderView {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt: a null header value
  bool operator==(const RecordHeaderView&) const = default;
};

struct RecordView {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;    // nullopt: a null key
  std::optional<std::string_view> value;  // nullopt: a null value (a tombstone)
  int32_t header_count = 0;
  std::span<const uint8_t> header_bytes;  // already validated by the iterator
};

// Decodes a record's headers (validated when the record was read).
std::vector<RecordHeaderView> decode_headers(const RecordView& record);

// Walks `count` records in a payload. next() returns false at the end or on
// the first malformed record; status() then says which (ok at a clean end).
// A record whose length prefix disagrees with its contents, negative lengths
// (other than -1 where null is allowed) and fewer records than `count` are
// Errc::kInvalidValue; bytes left after `count` records are kTrailingBytes.
class RecordIterator {
 public:
  RecordIterator(std::span<const uint8_t> payload, int32_t count) : reader_(payload), left_(count) {}

  bool next(RecordView* out);
  const Status& status() const { return status_; }

 private:
  ByteReader reader_;
  int32_t left_;
  Status status_;
};

}  // namespace runnel
