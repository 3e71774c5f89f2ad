// gzip for Kafka batches: zlib with the gzip wrapper, as the Java client's
// GZIPOutputStream and librdkafka write it.
#include <zlib.h>

#include <algorithm>
#include <climits>

#include "protocol/compression_codecs.h"

namespace runnel::codec {
namespace {

// 15 = 32 KiB window; +16 selects the gzip wrapper, +32 accepts gzip or zlib.
constexpr int kGzipWriteBits = 15 + 16;
constexpr int kAutoDetectReadBits = 15 + 32;

// zlib counts in uInt; inputs beyond 4 GiB are fed in slices.
uInt slice(size_t remaining) { return static_cast<uInt>(std::min<size_t>(remaining, UINT_MAX)); }

// Owns a z_stream so every return path releases zlib's internal state.
class Inflater {
 public:
  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() {
    if (live_) inflateEnd(&z_);
  }
  bool init() {
    live_ = inflateInit2(&z_, kAutoDetectReadBits) == Z_OK;
    return live_;
  }
  z_stream* operator->() { return &z_; }
  z_stream* get() { return &z_; }

 private:
  z_stream z_{};
  bool live_ = false;
};

class Deflater {
 public:
  Deflater() = default;
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  ~Deflater() {
    if (live_) deflateEnd(&z_);
  }
  bool init() {
    live_ = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWriteBits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    return live_;
  }
  z_stream* operator->() { return &z_; }
  z_stream* get() { return &z_; }

 private:
  z_stream z_{};
  bool live_ = false;
};

}  // namespace

Result<std::vector<uint8_t>> gzip_compress(std::span<const uint8_t> input) {
  Deflater z;
  if (!z.init()) return Status(Errc::kCompression, "gzip: deflateInit2 failed");
  std::vector<uint8_t> out(deflateBound(z.get(), static_cast<uLong>(input.size())));
  size_t in_pos = 0;
  size_t out_pos = 0;
  while (true) {
    z->next_in = const_cast<Bytef*>(input.data() + in_pos);
    z->avail_in = slice(input.size() - in_pos);
    if (out_pos == out.size()) out.resize(out.size() * 2 + 64);
    z->next_out = out.data() + out_pos;
    z->avail_out = slice(out.size() - out_pos);
    uInt in_before = z->avail_in;
    uInt out_before = z->avail_out;
    bool last_slice = input.size() - in_pos == z->avail_in;
    int rc = deflate(z.get(), last_slice ? Z_FINISH : Z_NO_FLUSH);
    in_pos += in_before - z->avail_in;
    out_pos += out_before - z->avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Status(Errc::kCompression, "gzip: deflate failed");
  }
  out.resize(out_pos);
  return out;
}

Result<std::vector<uint8_t>> gzip_decompress(std::span<const uint8_t> input, size_t max_output) {
  Inflater z;
  if (!z.init()) return Status(Errc::kCompression, "gzip: inflateInit2 failed");
  BoundedOutput out(max_output, input.size() * 4);
  size_t in_pos = 0;
  while (true) {
    if (!out.make_room()) return too_large();
    z->next_in = const_cast<Bytef*>(input.data() + in_pos);
    z->avail_in = slice(input.size() - in_pos);
    z->next_out = out.tail();
    z->avail_out = slice(out.room());
    uInt in_before = z->avail_in;
    uInt out_before = z->avail_out;
    int rc = inflate(z.get(), Z_NO_FLUSH);
    size_t consumed = in_before - z->avail_in;
    size_t produced = out_before - z->avail_out;
    in_pos += consumed;
    out.commit(produced);
    if (out.over_limit()) return too_large();
    if (rc == Z_STREAM_END) {
      if (in_pos == input.size()) break;
      // GZIPInputStream reads concatenated members as one stream, so a
      // producer may legally emit several; anything else after the member
      // fails the next header check below.
      if (inflateReset(z.get()) != Z_OK) return Status(Errc::kCompression, "gzip: inflateReset failed");
      continue;
    }
    if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR) return Status(Errc::kCompression, "gzip: corrupt data");
    if (rc == Z_MEM_ERROR) return Status(Errc::kCompression, "gzip: out of memory");
    // There is always room and, unless exhausted, input; so nothing moving
    // means the stream wants input we do not have.
    if (consumed == 0 && produced == 0) {
      return Status(Errc::kCompression, "gzip: truncated stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Status(Errc::kCompression, "gzip: inflate failed");
  }
  return std::move(out).take();
}

}  // namespace runnel::codec
