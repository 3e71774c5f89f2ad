// CRC32C (Castagnoli), the checksum of Kafka v2 record batches. Uses
// AVX-512 carry-less folding for long inputs when the CPU has VPCLMULQDQ, the
// SSE4.2 crc32 instruction on three interleaved streams when it has SSE4.2,
// else a portable slicing-by-8 table; the choice is made once at run time.
// All paths return identical results for any input and alignment.
#pragma once

#include <cstddef>
#include <cstdint>

namespace runnel {

// The CRC32C of n bytes.
uint32_t crc32c(const void* data, size_t n);

// Continues `crc` (a previous crc32c result) over n more bytes, so that
// crc32c_extend(crc32c(a), b) == crc32c(a || b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

// Both implementations, exposed so tests and benchmarks can compare them.
// Each takes and returns the finished (inverted) form, like crc32c_extend.
uint32_t crc32c_portable(uint32_t crc, const void* data, size_t n);
// SSE4.2 crc32 on three streams. Only valid when crc32c_hardware_available().
uint32_t crc32c_hardware(uint32_t crc, const void* data, size_t n);
bool crc32c_hardware_available();
// VPCLMULQDQ folding for inputs of 128 bytes and more, SSE4.2 for the rest.
// Only valid when crc32c_avx512_available().
uint32_t crc32c_avx512(uint32_t crc, const void* data, size_t n);
bool crc32c_avx512_available();

}  // namespace runnel
