#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
// Keeps the serial tail (3 cycles of latency per 8 bytes) under 192 bytes.
constexpr size_t kTinyBlock = 64;

const ShiftTable& long_shift() {
  static const ShiftTable table = make_shift_table(kLongBlock);
  return table;
}
const ShiftTable& short_shift() {
  static const ShiftTable table = make_shift_table(kShortBlock);
  return table;
}
const ShiftTable& tiny_shift() {
  static const ShiftTable table = make_shift_table(kTinyBlock);
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
  if (n >= 3 * kTinyBlock) crc = hw_three_way(crc, p, n, kTinyBlock, tiny_shift());
  return hw_serial(crc, p, n);
}

bool detect_hardware() {
  return __builtin_cpu_supports("sse4.2");
}

// Folding with carry-less multiplication (Intel, "Fast CRC Computation for
// Generic Polynomials Using PCLMULQDQ"): a 128-bit lane H followed by D bits
// is replaced by a congruent (mod P) 128-bit value that is XORed into the
// lane D bits later, so the whole buffer collapses into one lane whose CRC
// equals the buffer's. Sixteen lanes in four zmm registers fold independently,
// which is what lifts this past the crc32 instruction's 8 bytes per cycle.
//
// Register convention (reflected, as the crc32 instruction): bit i of a
// 128-bit lane is the coefficient of x^(127-i) relative to the lane's end.
// With the low qword L (the earlier bytes) and high qword U, the lane is
// L*x^64 + U, so H*x^D == L*x^(D+64) + U*x^D. A clmul of a reflected 64-bit
// qword with a reflected 32-bit constant K yields qword*K*x^33 in this
// convention, hence the constants x^(D+31) and x^(D-33) mod P.

// x^n mod P in the reflected form: bit i is the coefficient of x^(31-i).
constexpr uint32_t xpow_mod(uint32_t n) {
  uint32_t r = 0x80000000u;  // x^0
  for (; n > 0; --n) r = (r & 1) ? (r >> 1) ^ kPoly : r >> 1;
  return r;
}

struct FoldConstants {
  uint64_t low;   // multiplies the lane's low qword
  uint64_t high;  // multiplies the lane's high qword
};
constexpr FoldConstants fold_by_bits(uint32_t d) {
  return {xpow_mod(d + 31), xpow_mod(d - 33)};
}

constexpr size_t kFoldStride = 256;  // bytes per loop iteration: four zmm registers
// Below this the fixed cost of the final reduction outweighs the folding.
constexpr size_t kFoldMinBytes = 128;
constexpr FoldConstants kFold2048 = fold_by_bits(2048);
constexpr FoldConstants kFold512 = fold_by_bits(512);
constexpr FoldConstants kFold384 = fold_by_bits(384);
constexpr FoldConstants kFold256 = fold_by_bits(256);
constexpr FoldConstants kFold128 = fold_by_bits(128);

#define RUNNEL_CRC_AVX512 __attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2")))

RUNNEL_CRC_AVX512 inline __m512i broadcast(FoldConstants k) {
  auto hi = static_cast<int64_t>(k.high);
  auto lo = static_cast<int64_t>(k.low);
  return _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
}

// Every lane of x folded forward onto the matching lane of `onto`.
RUNNEL_CRC_AVX512 inline __m512i fold512(__m512i x, __m512i k, __m512i onto) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11),
                                   onto,
                                   0x96);  // a ^ b ^ c
}

RUNNEL_CRC_AVX512 inline __m128i fold128(__m128i x, FoldConstants c, __m128i onto) {
  __m128i k = _mm_set_epi64x(static_cast<int64_t>(c.high), static_cast<int64_t>(c.low));
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)),
                       onto);
}

// Consumes whole 64-byte blocks from p (n >= kFoldMinBytes) and returns the
// raw register; the caller finishes the remaining n < 64 bytes. Long inputs
// run four registers 256 bytes apart; what is left after them, and short
// inputs, fold one register 64 bytes at a time, so the serial crc32 tail
// (3 cycles per 8 bytes) never exceeds 56 bytes.
RUNNEL_CRC_AVX512 uint32_t avx512_fold(uint32_t crc, const uint8_t*& p, size_t& n) {
  // A register value c is the same as XORing c into the first four bytes.
  __m512i x0 = _mm512_xor_si512(
      _mm512_loadu_si512(p),
      _mm512_inserti32x4(_mm512_setzero_si512(), _mm_cvtsi32_si128(static_cast<int>(crc)), 0));
  const __m512i k512 = broadcast(kFold512);
  if (n >= kFoldStride) {
    __m512i x1 = _mm512_loadu_si512(p + 64);
    __m512i x2 = _mm512_loadu_si512(p + 128);
    __m512i x3 = _mm512_loadu_si512(p + 192);
    p += kFoldStride;
    n -= kFoldStride;
    const __m512i k2048 = broadcast(kFold2048);
    while (n >= kFoldStride) {
      x0 = fold512(x0, k2048, _mm512_loadu_si512(p));
      x1 = fold512(x1, k2048, _mm512_loadu_si512(p + 64));
      x2 = fold512(x2, k2048, _mm512_loadu_si512(p + 128));
      x3 = fold512(x3, k2048, _mm512_loadu_si512(p + 192));
      p += kFoldStride;
      n -= kFoldStride;
    }
    x1 = fold512(x0, k512, x1);
    x2 = fold512(x1, k512, x2);
    x0 = fold512(x2, k512, x3);
  } else {
    p += 64;
    n -= 64;
  }
  while (n >= 64) {
    x0 = fold512(x0, k512, _mm512_loadu_si512(p));
    p += 64;
    n -= 64;
  }

  // Going through memory avoids the 512->128 extract intrinsics, which g++ 12
  // flags with -Wuninitialized from inside its own headers.
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, x0);
  auto lane = [&](int i) { return _mm_load_si128(reinterpret_cast<const __m128i*>(lanes + 2 * i)); };
  __m128i v = fold128(lane(0), kFold384, fold128(lane(1), kFold256, fold128(lane(2), kFold128, lane(3))));

  // The CRC (from zero) of the final lane is the CRC of everything folded.
  uint64_t c = _mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(v)));
  c = _mm_crc32_u64(c, static_cast<uint64_t>(_mm_extract_epi64(v, 1)));
  return static_cast<uint32_t>(c);
}

uint32_t avx512_raw(uint32_t crc, const uint8_t* p, size_t n) {
  if (n >= kFoldMinBytes) crc = avx512_fold(crc, p, n);
  return hardware_raw(crc, p, n);
}

bool detect_avx512() {
  return detect_hardware() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq") &&
         __builtin_cpu_supports("pclmul");
}

#else

uint32_t hardware_raw(uint32_t crc, const uint8_t* p, size_t n) {
  return portable_raw(crc, p, n);
}
uint32_t avx512_raw(uint32_t crc, const uint8_t* p, size_t n) {
  return portable_raw(crc, p, n);
}
bool detect_hardware() {
  return false;
}
bool detect_avx512() {
  return false;
}

#endif

using RawFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

RawFn pick() {
  if (!detect_hardware()) return portable_raw;
  if (detect_avx512()) return avx512_raw;
#if defined(__x86_64__)
  // Build the stitching tables now, not inside the first timed call.
  (void)long_shift();
  (void)short_shift();
  (void)tiny_shift();
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

uint32_t crc32c(const void* data, size_t n) {
  return crc32c_extend(0, data, n);
}

uint32_t crc32c_portable(uint32_t crc, const void* data, size_t n) {
  return ~portable_raw(~crc, static_cast<const uint8_t*>(data), n);
}

uint32_t crc32c_hardware(uint32_t crc, const void* data, size_t n) {
  return ~hardware_raw(~crc, static_cast<const uint8_t*>(data), n);
}

bool crc32c_hardware_available() {
  return detect_hardware();
}

uint32_t crc32c_avx512(uint32_t crc, const void* data, size_t n) {
  return ~avx512_raw(~crc, static_cast<const uint8_t*>(data), n);
}

bool crc32c_avx512_available() {
  return detect_avx512();
}

}  // namespace runnel
