// CRC32C (Castagnoli), the checksum of Kafka v2 record batches. Uses the
// SSE4.2 crc32 instruction on three interleaved streams when the CPU has it,
// else a portable slicing-by-8 table; the choice is made once at run time.
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
// Only valid when crc32c_hardware_available().
uint32_t crc32c_hardware(uint32_t crc, const void* data, size_t n);
bool crc32c_hardware_available();

}  // namespace runnel
