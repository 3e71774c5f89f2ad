// ByteReader: a bounds-checked big-endian cursor over a borrowed byte range.
// Errors are sticky: the first failure is recorded, the cursor stops, and
// every later read returns zero/empty, so decoders read straight through and
// check ok() once at the end. Nothing here allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "base/status.h"
#include "base/uuid.h"
#include "base/varint.h"

namespace runnel {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : pos_(data), end_(data + size) {}
  explicit ByteReader(std::span<const uint8_t> bytes) : ByteReader(bytes.data(), bytes.size()) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  const uint8_t* cursor() const { return pos_; }

  // Records the first failure and stops the cursor.
  void fail(Errc code, std::string_view detail) {
    if (status_.ok()) status_ = Status(code, detail);
    pos_ = end_;
  }

  int8_t read_i8() { return static_cast<int8_t>(read_fixed<uint8_t>()); }
  uint8_t read_u8() { return read_fixed<uint8_t>(); }
  int16_t read_i16() { return static_cast<int16_t>(read_fixed<uint16_t>()); }
  uint16_t read_u16() { return read_fixed<uint16_t>(); }
  int32_t read_i32() { return static_cast<int32_t>(read_fixed<uint32_t>()); }
  uint32_t read_u32() { return read_fixed<uint32_t>(); }
  int64_t read_i64() { return static_cast<int64_t>(read_fixed<uint64_t>()); }
  uint64_t read_u64() { return read_fixed<uint64_t>(); }
  double read_f64() {
    uint64_t bits = read_fixed<uint64_t>();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  // Kafka booleans are one byte; any non-zero value reads as true.
  bool read_bool() { return read_fixed<uint8_t>() != 0; }

  Uuid read_uuid() {
    Uuid id;
    if (need(16)) {
      std::memcpy(id.bytes.data(), pos_, 16);
      pos_ += 16;
    }
    return id;
  }

  // Unsigned varint of at most 5 bytes (tagged-field tags and sizes, compact lengths).
  uint32_t read_uvarint() { return static_cast<uint32_t>(read_varint_bytes(kMaxVarintBytes)); }
  uint64_t read_uvarlong() { return read_varint_bytes(kMaxVarlongBytes); }
  // Zigzag varint/varlong (record fields).
  int32_t read_varint() { return zigzag_decode32(static_cast<uint32_t>(read_varint_bytes(kMaxVarintBytes))); }
  int64_t read_varlong() { return zigzag_decode64(read_varint_bytes(kMaxVarlongBytes)); }

  // A view of the next n bytes; empty (and failed) if fewer remain.
  std::span<const uint8_t> read_bytes(size_t n) {
    if (!need(n)) return {};
    std::span<const uint8_t> out(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view read_string_view(size_t n) {
    auto b = read_bytes(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  void skip(size_t n) {
    if (need(n)) pos_ += n;
  }

 private:
  bool need(size_t n) {
    if (remaining() >= n) return true;
    fail(Errc::kTruncated, "input ends before the field does");
    return false;
  }

  template <typename U>
  U read_fixed() {
    if (!need(sizeof(U))) return 0;
    U v;
    std::memcpy(&v, pos_, sizeof v);
    pos_ += sizeof v;
    if constexpr (sizeof(U) == 2) v = __builtin_bswap16(v);
    if constexpr (sizeof(U) == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof(U) == 8) v = __builtin_bswap64(v);
    return v;
  }

  uint64_t read_varint_bytes(size_t max_bytes) {
    uint64_t v = 0;
    size_t n = get_uvarint(pos_, end_, max_bytes, &v);
    if (n == 0) {
      if (remaining() >= max_bytes) {
        fail(Errc::kVarintOverflow, "varint longer than its type allows");
      } else {
        fail(Errc::kTruncated, "input ends inside a varint");
      }
      return 0;
    }
    pos_ += n;
    return v;
  }

  const uint8_t* pos_;
  const uint8_t* end_;
  Status status_;
};

}  // namespace runnel
