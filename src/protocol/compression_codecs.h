// Internal to the compression codecs: one compress/decompress pair per codec,
// and the bounded output buffer every streaming decompressor writes into.
// Callers outside src/protocol/compression*.cc use compression.h instead.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "base/status.h"

namespace runnel::codec {

// Output that grows as a decoder produces bytes, never past max_output + 1.
// The one byte of slack lets a decoder that has filled exactly max_output
// bytes try once more: if that byte gets written the stream really was too
// large; if not, the stream ended on the limit and is accepted.
class BoundedOutput {
 public:
  BoundedOutput(size_t max_output, size_t size_hint)
      : max_output_(max_output),
        cap_(max_output == std::numeric_limits<size_t>::max() ? max_output : max_output + 1) {
    // Start near the likely size but never commit memory the limit forbids:
    // a small bomb must not cost max_output bytes up front.
    buf_.resize(std::min(cap_, std::max(size_hint, kMinChunk)));
  }

  // Ensures there is room for more output; false once the cap is reached.
  bool make_room() {
    if (used_ < buf_.size()) return true;
    if (buf_.size() >= cap_) return false;
    size_t grown = buf_.size() > cap_ / 2 ? cap_ : std::max(buf_.size() * 2, kMinChunk);
    buf_.resize(std::min(grown, cap_));
    return true;
  }

  uint8_t* tail() { return buf_.data() + used_; }
  size_t room() const { return buf_.size() - used_; }
  void commit(size_t n) { used_ += n; }
  size_t used() const { return used_; }
  bool over_limit() const { return used_ > max_output_; }

  std::vector<uint8_t> take() && {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  static constexpr size_t kMinChunk = 64 * 1024;

  size_t max_output_;
  size_t cap_;
  size_t used_ = 0;
  std::vector<uint8_t> buf_;
};

inline Status too_large() { return Status(Errc::kTooLarge, "decompressed size exceeds limit"); }

Result<std::vector<uint8_t>> gzip_compress(std::span<const uint8_t> input);
Result<std::vector<uint8_t>> gzip_decompress(std::span<const uint8_t> input, size_t max_output);

Result<std::vector<uint8_t>> snappy_compress(std::span<const uint8_t> input);
Result<std::vector<uint8_t>> snappy_decompress(std::span<const uint8_t> input, size_t max_output);

Result<std::vector<uint8_t>> lz4_compress(std::span<const uint8_t> input);
Result<std::vector<uint8_t>> lz4_decompress(std::span<const uint8_t> input, size_t max_output);

Result<std::vector<uint8_t>> zstd_compress(std::span<const uint8_t> input);
Result<std::vector<uint8_t>> zstd_decompress(std::span<const uint8_t> input, size_t max_output);

}  // namespace runnel::codec
