// Kafka's variable-length integers: unsigned LEB128 varints (tagged fields,
// compact lengths) and zigzag-encoded signed varints/varlongs (record fields).
// Encoders write into a caller buffer of at least kMaxVarlongBytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace runnel {

inline constexpr size_t kMaxVarintBytes = 5;
inline constexpr size_t kMaxVarlongBytes = 10;

constexpr uint32_t zigzag_encode32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr int32_t zigzag_decode32(uint32_t v) {
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
constexpr uint64_t zigzag_encode64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int64_t zigzag_decode64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

constexpr size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr size_t varint_size(int32_t v) { return uvarint_size(zigzag_encode32(v)); }
constexpr size_t varlong_size(int64_t v) { return uvarint_size(zigzag_encode64(v)); }

// Writes v and returns the number of bytes written.
inline size_t put_uvarint(uint8_t* out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}

// Decodes an unsigned varint of at most max_bytes from [p, end). Returns the
// number of bytes consumed, or 0 when the input ends first or the varint runs
// past max_bytes (a continuation bit on its last allowed byte).
inline size_t get_uvarint(const uint8_t* p, const uint8_t* end, size_t max_bytes, uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < max_bytes; ++i) {
    if (p + i >= end) return 0;
    uint8_t b = p[i];
    result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *value = result;
      return i + 1;
    }
  }
  return 0;
}

}  // namespace runnel
