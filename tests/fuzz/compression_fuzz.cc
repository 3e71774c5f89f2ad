// libFuzzer target: any bytes through every codec's bounded decompressor.
// The first byte picks the codec; the rest is the compressed payload. Nothing
// may crash, leak, or produce more than the limit; whatever decompresses must
// survive a compress/decompress round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "protocol/compression.h"

namespace {
constexpr size_t kLimit = 1 << 20;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto type = static_cast<runnel::CompressionType>(1 + data[0] % 4);
  std::span<const uint8_t> payload(data + 1, size - 1);
  auto out = runnel::decompress(type, payload, kLimit);
  if (!out.ok()) return 0;
  if (out->size() > kLimit) std::abort();
  auto again = runnel::compress(type, *out);
  if (!again.ok()) std::abort();
  auto back = runnel::decompress(type, *again, kLimit);
  if (!back.ok() || *back != *out) std::abort();
  return 0;
}
