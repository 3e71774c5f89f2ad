// Compression codecs for Kafka record batches: gzip, snappy (raw, and the
// xerial framing Java clients and librdkafka write), lz4 (frame format) and
// zstd. Decompression is always bounded by the caller's limit, so a
// decompression bomb is an error (Errc::kCompression / kTooLarge), never an
// unbounded allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runnel {

// The low three bits of a v2 record batch's attributes.
enum class CompressionType : uint8_t {
  kNone = 0,
  kGzip = 1,
  kSnappy = 2,
  kLz4 = 3,
  kZstd = 4,
};

std::string_view compression_name(CompressionType type);

// Compresses `input` in the framing Kafka clients expect for `type`
// (snappy: xerial framing, as the Java client writes). kNone copies.
Result<std::vector<uint8_t>> compress(CompressionType type, std::span<const uint8_t> input);

// Decompresses `input`; fails with kTooLarge if the output would exceed
// `max_output` bytes, and with kCompression on malformed input. Snappy
// accepts both raw blocks and xerial framing.
Result<std::vector<uint8_t>> decompress(CompressionType type, std::span<const uint8_t> input,
                                        size_t max_output);

}  // namespace runnel
