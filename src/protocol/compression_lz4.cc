// lz4 for Kafka batches: the LZ4 frame format, which magic-2 batches use
// (the broken-checksum variant of magic 0/1 batches is not supported).
#include <lz4frame.h>

#include "protocol/compression_codecs.h"

namespace runnel::codec {
namespace {

class DecompressionContext {
 public:
  DecompressionContext() = default;
  DecompressionContext(const DecompressionContext&) = delete;
  DecompressionContext& operator=(const DecompressionContext&) = delete;
  ~DecompressionContext() {
    if (ctx_ != nullptr) LZ4F_freeDecompressionContext(ctx_);
  }
  bool init() { return !LZ4F_isError(LZ4F_createDecompressionContext(&ctx_, LZ4F_VERSION)); }
  LZ4F_dctx* get() { return ctx_; }

 private:
  LZ4F_dctx* ctx_ = nullptr;
};

}  // namespace

Result<std::vector<uint8_t>> lz4_compress(std::span<const uint8_t> input) {
  LZ4F_preferences_t prefs{};
  // 64 KiB independent blocks and no content size are what the Java
  // client's KafkaLZ4BlockOutputStream writes; its reader (and so a Java
  // consumer reading what we serve) handles that shape best.
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  std::vector<uint8_t> out(LZ4F_compressFrameBound(input.size(), &prefs));
  size_t written = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
  if (LZ4F_isError(written)) return Status(Errc::kCompression, "lz4: compress failed");
  out.resize(written);
  return out;
}

Result<std::vector<uint8_t>> lz4_decompress(std::span<const uint8_t> input, size_t max_output) {
  if (input.empty()) return Status(Errc::kCompression, "lz4: empty input");
  DecompressionContext ctx;
  if (!ctx.init()) return Status(Errc::kCompression, "lz4: context allocation failed");
  // The frame header may declare a content size; we ignore it for sizing,
  // since a hostile header could claim anything.
  BoundedOutput out(max_output, input.size() * 4);
  size_t in_pos = 0;
  while (true) {
    if (!out.make_room()) return too_large();
    size_t produced = out.room();
    size_t consumed = input.size() - in_pos;
    size_t hint = LZ4F_decompress(ctx.get(), out.tail(), &produced, input.data() + in_pos, &consumed, nullptr);
    if (LZ4F_isError(hint)) return Status(Errc::kCompression, "lz4: corrupt frame");
    in_pos += consumed;
    out.commit(produced);
    if (out.over_limit()) return too_large();
    if (hint == 0) {
      // A frame ended; the context is ready for another. The Java reader
      // stops after one frame, but concatenated frames are valid LZ4 and
      // trailing garbage still fails as a bad next frame header.
      if (in_pos == input.size()) break;
      continue;
    }
    if (consumed == 0 && produced == 0) return Status(Errc::kCompression, "lz4: truncated frame");
  }
  return std::move(out).take();
}

}  // namespace runnel::codec
