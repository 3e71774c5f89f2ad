// zstd for Kafka batches: standard zstd frames, compressed at the library's
// default level (what librdkafka and the Java client use unless configured).
#include <zstd.h>

#include <algorithm>
#include <bit>

#include "protocol/compression_codecs.h"

namespace runnel::codec {
namespace {

// A decoder allocates a window buffer as large as the frame header asks for,
// before producing a byte, so the header is a second allocation a bomb can
// steer. 2^23 covers every standard level up to 19 on unknown-size input
// (Java's streaming ZstdOutputStream); larger windows are allowed only when
// the caller's output limit is larger anyway. 2^27 is zstd's own default cap.
constexpr int kMinWindowLog = 23;
constexpr int kMaxWindowLog = 27;

int window_log_limit(size_t max_output) {
  int needed = max_output <= 1 ? 0 : static_cast<int>(std::bit_width(max_output - 1));
  return std::clamp(needed, kMinWindowLog, kMaxWindowLog);
}

class DecompressionStream {
 public:
  DecompressionStream() : ds_(ZSTD_createDStream()) {}
  DecompressionStream(const DecompressionStream&) = delete;
  DecompressionStream& operator=(const DecompressionStream&) = delete;
  ~DecompressionStream() { ZSTD_freeDStream(ds_); }
  ZSTD_DStream* get() { return ds_; }

 private:
  ZSTD_DStream* ds_;
};

}  // namespace

Result<std::vector<uint8_t>> zstd_compress(std::span<const uint8_t> input) {
  std::vector<uint8_t> out(ZSTD_compressBound(input.size()));
  size_t written = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(written)) return Status(Errc::kCompression, "zstd: compress failed");
  out.resize(written);
  return out;
}

Result<std::vector<uint8_t>> zstd_decompress(std::span<const uint8_t> input, size_t max_output) {
  DecompressionStream ds;
  if (ds.get() == nullptr) return Status(Errc::kCompression, "zstd: stream allocation failed");
  if (ZSTD_isError(ZSTD_DCtx_setParameter(ds.get(), ZSTD_d_windowLogMax, window_log_limit(max_output)))) {
    return Status(Errc::kCompression, "zstd: cannot set window limit");
  }
  if (input.empty()) return Status(Errc::kCompression, "zstd: empty input");
  BoundedOutput out(max_output, input.size() * 4);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  while (true) {
    if (!out.make_room()) return too_large();
    ZSTD_outBuffer o{out.tail(), out.room(), 0};
    size_t in_before = in.pos;
    size_t rc = ZSTD_decompressStream(ds.get(), &o, &in);
    if (ZSTD_isError(rc)) return Status(Errc::kCompression, "zstd: corrupt frame");
    out.commit(o.pos);
    if (out.over_limit()) return too_large();
    // 0 means a frame is complete and flushed; more input may hold another
    // frame (zstd allows concatenation), which the same stream continues with.
    if (rc == 0 && in.pos == in.size) break;
    if (rc != 0 && in.pos == in_before && o.pos == 0) return Status(Errc::kCompression, "zstd: truncated frame");
  }
  return std::move(out).take();
}

}  // namespace runnel::codec
