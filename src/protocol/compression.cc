#include "protocol/compression.h"

#include "protocol/compression_codecs.h"

namespace runnel {

std::string_view compression_name(CompressionType type) {
  switch (type) {
    case CompressionType::kNone: return "none";
    case CompressionType::kGzip: return "gzip";
    case CompressionType::kSnappy: return "snappy";
    case CompressionType::kLz4: return "lz4";
    case CompressionType::kZstd: return "zstd";
  }
  return "unknown";
}

Result<std::vector<uint8_t>> compress(CompressionType type, std::span<const uint8_t> input) {
  switch (type) {
    case CompressionType::kNone: return std::vector<uint8_t>(input.begin(), input.end());
    case CompressionType::kGzip: return codec::gzip_compress(input);
    case CompressionType::kSnappy: return codec::snappy_compress(input);
    case CompressionType::kLz4: return codec::lz4_compress(input);
    case CompressionType::kZstd: return codec::zstd_compress(input);
  }
  // The type usually comes from a batch's attribute bits, where 5..7 are unassigned.
  return Status(Errc::kCompression, "unknown compression type");
}

Result<std::vector<uint8_t>> decompress(CompressionType type, std::span<const uint8_t> input,
                                        size_t max_output) {
  switch (type) {
    case CompressionType::kNone:
      if (input.size() > max_output) return codec::too_large();
      return std::vector<uint8_t>(input.begin(), input.end());
    case CompressionType::kGzip: return codec::gzip_decompress(input, max_output);
    case CompressionType::kSnappy: return codec::snappy_decompress(input, max_output);
    case CompressionType::kLz4: return codec::lz4_decompress(input, max_output);
    case CompressionType::kZstd: return codec::zstd_decompress(input, max_output);
  }
  return Status(Errc::kCompression, "unknown compression type");
}

}  // namespace runnel
