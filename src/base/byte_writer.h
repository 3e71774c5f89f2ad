// ByteWriter: appends big-endian Kafka primitives to a growable byte vector.
// Writers that know their size up front call reserve_total() once, so encoding
// does not reallocate. A failure (an encoder asked to write something its
// version cannot express) is sticky, like ByteReader's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"
#include "base/varint.h"

namespace runnel {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  void fail(Errc code, std::string_view detail) {
    if (status_.ok()) status_ = Status(code, detail);
  }

  size_t size() const { return out_->size(); }
  void reserve_total(size_t n) { out_->reserve(n); }

  void write_i8(int8_t v) { write_fixed<uint8_t>(static_cast<uint8_t>(v)); }
  void write_u8(uint8_t v) { write_fixed<uint8_t>(v); }
  void write_i16(int16_t v) { write_fixed<uint16_t>(static_cast<uint16_t>(v)); }
  void write_u16(uint16_t v) { write_fixed<uint16_t>(v); }
  void write_i32(int32_t v) { write_fixed<uint32_t>(static_cast<uint32_t>(v)); }
  void write_u32(uint32_t v) { write_fixed<uint32_t>(v); }
  void write_i64(int64_t v) { write_fixed<uint64_t>(static_cast<uint64_t>(v)); }
  void write_u64(uint64_t v) { write_fixed<uint64_t>(v); }
  void write_f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    write_fixed<uint64_t>(bits);
  }
  void write_bool(bool v) { write_fixed<uint8_t>(v ? 1 : 0); }
  void write_uuid(const Uuid& id) { write_bytes(id.bytes); }

  void write_uvarint(uint64_t v) {
    uint8_t buf[kMaxVarlongBytes];
    write_bytes({buf, put_uvarint(buf, v)});
  }
  void write_varint(int32_t v) { write_uvarint(zigzag_encode32(v)); }
  void write_varlong(int64_t v) { write_uvarint(zigzag_encode64(v)); }

  void write_bytes(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    size_t at = out_->size();
    out_->resize(at + bytes.size());
    std::memcpy(out_->data() + at, bytes.data(), bytes.size());
  }
  void write_string(std::string_view s) {
    write_bytes({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  }

  // Reserves n bytes to be filled in later (length prefixes, CRCs) and
  // returns their position.
  size_t skip(size_t n) {
    size_t at = out_->size();
    out_->resize(at + n);
    return at;
  }
  void put_i32_at(size_t at, int32_t v) { put_fixed_at<uint32_t>(at, static_cast<uint32_t>(v)); }
  void put_u32_at(size_t at, uint32_t v) { put_fixed_at<uint32_t>(at, v); }
  void put_i16_at(size_t at, int16_t v) { put_fixed_at<uint16_t>(at, static_cast<uint16_t>(v)); }
  uint8_t* data() { return out_->data(); }

  // Bytes that belong at the current position but are not written here: the
  // sender splices them in (fetch sends log bytes straight from the file).
  // Only a writer given a gap list accepts them.
  struct Gap {
    size_t at;      // offset in the written bytes where the gap's bytes go
    size_t length;
  };
  void collect_gaps(std::vector<Gap>* gaps) { gaps_ = gaps; }
  void leave_gap(size_t length) {
    if (gaps_ == nullptr) {
      fail(Errc::kInvalidValue, "spliced bytes need a writer that collects gaps");
      return;
    }
    gaps_->push_back(Gap{out_->size(), length});
  }

 private:
  template <typename U>
  static U to_big_endian(U v) {
    if constexpr (sizeof(U) == 2) return __builtin_bswap16(v);
    if constexpr (sizeof(U) == 4) return __builtin_bswap32(v);
    if constexpr (sizeof(U) == 8) return __builtin_bswap64(v);
    return v;
  }
  template <typename U>
  void write_fixed(U v) {
    v = to_big_endian(v);
    size_t at = out_->size();
    out_->resize(at + sizeof v);
    std::memcpy(out_->data() + at, &v, sizeof v);
  }
  template <typename U>
  void put_fixed_at(size_t at, U v) {
    v = to_big_endian(v);
    std::memcpy(out_->data() + at, &v, sizeof v);
  }

  std::vector<uint8_t>* out_;
  std::vector<Gap>* gaps_ = nullptr;
  Status status_;
};

}  // namespace runnel
