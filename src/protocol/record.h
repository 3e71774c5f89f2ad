// Records inside a v2 record batch: a bounds-checked view of one record and
// an iterator over a batch's (uncompressed) records payload. Views point into
// the payload; nothing is copied or allocated while iterating.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
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

// Walks a record's headers without allocating. The iterator that produced the
// record has already validated them, so next() only fails on a RecordView
// that was assembled by hand.
class RecordHeaderIterator {
 public:
  explicit RecordHeaderIterator(const RecordView& record)
      : reader_(record.header_bytes), left_(record.header_count) {}
  bool next(RecordHeaderView* out);

 private:
  ByteReader reader_;
  int32_t left_;
};

// Decodes a record's headers into a vector (convenience over RecordHeaderIterator).
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

// Calls fn(const RecordView&) for each of `count` records in `payload` and
// returns the iterator's verdict. fn may return void, or bool where false
// stops the walk early (the result is then ok).
template <typename Fn>
Status for_each_record(std::span<const uint8_t> payload, int32_t count, Fn&& fn) {
  RecordIterator it(payload, count);
  RecordView record;
  while (it.next(&record)) {
    if constexpr (std::is_same_v<std::invoke_result_t<Fn&, const RecordView&>, bool>) {
      if (!fn(static_cast<const RecordView&>(record))) return Status();
    } else {
      fn(static_cast<const RecordView&>(record));
    }
  }
  return it.status();
}

}  // namespace runnel
