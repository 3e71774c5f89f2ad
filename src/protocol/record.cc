#include "protocol/record.h"

#include <algorithm>

namespace runnel {
namespace {

// Reads a varint length-prefixed byte string; -1 is null when allowed.
bool read_sized(ByteReader& r, bool nullable, std::optional<std::string_view>* out) {
  int32_t len = r.read_varint();
  if (!r.ok()) return false;
  if (len < 0) {
    if (len == -1 && nullable) {
      *out = std::nullopt;
      return true;
    }
    r.fail(Errc::kInvalidValue, "negative length inside a record");
    return false;
  }
  if (static_cast<size_t>(len) > r.remaining()) {
    r.fail(Errc::kInvalidValue, "record field longer than its record");
    return false;
  }
  *out = r.read_string_view(static_cast<size_t>(len));
  return true;
}

}  // namespace

bool RecordHeaderIterator::next(RecordHeaderView* out) {
  if (left_ <= 0 || !reader_.ok()) return false;
  std::optional<std::string_view> key;
  RecordHeaderView h;
  if (!read_sized(reader_, false, &key) || !read_sized(reader_, true, &h.value)) return false;
  h.key = *key;
  --left_;
  *out = h;
  return true;
}

std::vector<RecordHeaderView> decode_headers(const RecordView& record) {
  std::vector<RecordHeaderView> headers;
  // header_count was bounded by the record's bytes when it was read.
  headers.reserve(static_cast<size_t>(std::max(record.header_count, 0)));
  RecordHeaderIterator it(record);
  RecordHeaderView h;
  while (it.next(&h)) headers.push_back(h);
  return headers;
}

bool RecordIterator::next(RecordView* out) {
  if (!status_.ok()) return false;
  if (left_ <= 0) {
    if (reader_.remaining() != 0) status_ = Status(Errc::kTrailingBytes, "bytes after the last record");
    return false;
  }
  if (reader_.remaining() == 0) {
    status_ = Status(Errc::kInvalidValue, "record count exceeds the records present");
    return false;
  }
  int32_t length = reader_.read_varint();
  if (!reader_.ok() || length < 0 || static_cast<size_t>(length) > reader_.remaining()) {
    status_ = Status(Errc::kInvalidValue, "record length runs past the batch");
    return false;
  }
  ByteReader r(reader_.read_bytes(static_cast<size_t>(length)));
  RecordView rec;
  rec.attributes = r.read_i8();
  rec.timestamp_delta = r.read_varlong();
  rec.offset_delta = r.read_varint();
  if (r.ok() && read_sized(r, true, &rec.key) && read_sized(r, true, &rec.value)) {
    rec.header_count = r.read_varint();
    if (r.ok() && rec.header_count < 0) r.fail(Errc::kInvalidValue, "negative header count");
    const uint8_t* headers_begin = r.cursor();
    for (int32_t i = 0; i < rec.header_count && r.ok(); ++i) {
      std::optional<std::string_view> key, value;
      if (!read_sized(r, false, &key) || !read_sized(r, true, &value)) break;
    }
    if (r.ok()) {
      rec.header_bytes = {headers_begin, static_cast<size_t>(r.cursor() - headers_begin)};
      if (r.remaining() != 0) r.fail(Errc::kInvalidValue, "record length longer than its fields");
    }
  }
  if (!r.ok()) {
    // Running out inside a record means its length prefix lied.
    status_ = r.status().code() == Errc::kTruncated
                  ? Status(Errc::kInvalidValue, "record fields run past its length")
                  : r.status();
    return false;
  }
  --left_;
  *out = rec;
  return true;
}

}  // namespace runnel
