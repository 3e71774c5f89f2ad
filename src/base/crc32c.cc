#include "base/crc32c.h"

#include <array>
#include <cstring>

namespace runnel {
namespace {

// Reflected Castagnoli polynomial.
constexpr uint32_t kPoly = 0x82F63B78u;

// All functions below work on the raw register (no pre/post inversion).

struct SlicingTables {
  uint32_t t[8][256];
};

SlicingTables make_slicing_tables() {
  SlicingTables s{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    s.t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int k = 1; k < 8; ++k) s.t[k][i] = (s.t[k - 1][i] >> 8) ^ s.t[0][s.t[k - 1][i] & 0xff];
  }
  return s;
}

const SlicingTables& slicing() {
  static const SlicingTables tables = make_slicing_tables();
  return tables;
}

uint32_t portable_raw(uint32_t crc, const uint8_t* p, size_t n) {
  const auto& t = slicing().t;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian hosts only (x86-64, aarch64)
    w ^= crc;
    crc = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
          t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

#if defined(__x86_64__)

// The register after feeding `len` zero bytes is a linear function of the
// register before; ShiftTable stores it per byte of the register so three
// independently computed streams can be stitched together in 4 lookups.
struct ShiftTable {
  uint32_t t[4][256];
  uint32_t apply(uint32_t crc) const {
    return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
  }
};

ShiftTable make_shift_table(size_t len) {
  // Image of each basis bit under "append len zero bytes".
  std::array<uint32_t, 32> basis{};
  static const uint8_t kZeros[4096] = {};
  for (int bit = 0; bit < 32; ++bit) {
    uint32_t crc = 1u << bit;
    for (size_t left = len; left > 0;) {
      size_t step = left < sizeof kZeros ? left : sizeof kZeros;
      crc = portable_raw(crc, kZeros, step);
      left -= step;
    }
    basis[bit] = crc;
  }
  ShiftTable table{};
  for (int byte = 0; byte < 4; ++byte) {
    for (uint32_t v = 0; v < 256; ++v) {
      uint32_t out = 0;
      for (int b = 0; b < 8; ++b) {
        if (v & (1u << b)) out ^= basis[byte * 8 + b];
      }
      table.t[byte][v] = out;
    }
  }
  return table;
}

constexpr size_t kLongBlock = 8192;
constexpr size_t kShortBlock = 256;

const ShiftTable& long_shift() {
  static const ShiftTable table = make_shift_table(kLongBlock);
  return table;
}
const ShiftTable& short_shift() {
  static const ShiftTable table = make_shift_table(kShortBlock);
  return table;
}

__attribute__((target("sse4.2"))) uint32_t hw_serial(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}

// Three streams of `block` bytes each, so the crc32 instruction's 3-cycle
// latency is hidden behind its 1-per-cycle throughput.
__attribute__((target("sse4.2"))) uint32_t hw_three_way(uint32_t crc, const uint8_t*& p, size_t& n,
                                                         size_t block, const ShiftTable& shift) {
  while (n >= 3 * block) {
    uint64_t a = crc, b = 0, c = 0;
    const uint8_t* pa = p;
    const uint8_t* pb = p + block;
    const uint8_t* pc = p + 2 * block;
    for (size_t i = 0; i < block; i += 8) {
      uint64_t wa, wb, wc;
      std::memcpy(&wa, pa + i, 8);
      std::memcpy(&wb, pb + i, 8);
      std::memcpy(&wc, pc + i, 8);
      a = __builtin_ia32_crc32di(a, wa);
      b = __builtin_ia32_crc32di(b, wb);
      c = __builtin_ia32_crc32di(c, wc);
    }
    crc = shift.apply(shift.apply(static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^
          static_cast<uint32_t>(c);
    p += 3 * block;
    n -= 3 * block;
  }
  return crc;
}

uint32_t hardware_raw(uint32_t crc, const uint8_t* p, size_t n) {
  if (n >= 3 * kLongBlock) crc = hw_three_way(crc, p, n, kLongBlock, long_shift());
  if (n >= 3 * kShortBlock) crc = hw_three_way(crc, p, n, kShortBlock, short_shift());
  return hw_serial(crc, p, n);
}

bool detect_hardware() { return __builtin_cpu_supports("sse4.2"); }

#else

uint32_t hardware_raw(uint32_t crc, const uint8_t* p, size_t n) { return portable_raw(crc, p, n); }
bool detect_hardware() { return false; }

#endif

using RawFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

RawFn pick() {
  if (!detect_hardware()) return portable_raw;
#if defined(__x86_64__)
  // Build the stitching tables now, not inside the first timed call.
  (void)long_shift();
  (void)short_shift();
#endif
  return hardware_raw;
}

RawFn chosen() {
  static const RawFn fn = pick();
  return fn;
}

}  // namespace

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) {
  return ~chosen()(~crc, static_cast<const uint8_t*>(data), n);
}

uint32_t crc32c(const void* data, size_t n) { return crc32c_extend(0, data, n); }

uint32_t crc32c_portable(uint32_t crc, const void* data, size_t n) {
  return ~portable_raw(~crc, static_cast<const uint8_t*>(data), n);
}

uint32_t crc32c_hardware(uint32_t crc, const void* data, size_t n) {
  return ~hardware_raw(~crc, static_cast<const uint8_t*>(data), n);
}

bool crc32c_hardware_available() { return detect_hardware(); }

}  // namespace runnel
