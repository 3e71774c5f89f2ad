// snappy for Kafka batches. The Java client writes xerial snappy-java framing
// (a 16-byte header, then length-prefixed raw blocks); other clients write a
// single raw block. We write xerial, because every client can read it, and
// read both.
#include <snappy.h>

#include <algorithm>
#include <cstring>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "protocol/compression_codecs.h"

namespace runnel::codec {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
constexpr int32_t kXerialVersion = 1;
constexpr int32_t kXerialCompatibleVersion = 1;
// snappy-java's SnappyOutputStream default block size; matching it keeps our
// output byte-compatible with what the Java producer would have sent.
constexpr size_t kXerialBlockSize = 32 * 1024;

bool has_xerial_magic(std::span<const uint8_t> input) {
  return input.size() >= sizeof kXerialMagic && std::memcmp(input.data(), kXerialMagic, sizeof kXerialMagic) == 0;
}

const char* as_chars(const uint8_t* p) { return reinterpret_cast<const char*>(p); }

// Appends one raw block's output to `out`, checking the declared length
// against the budget before allocating for it.
Status append_raw_block(std::span<const uint8_t> block, size_t max_output, std::vector<uint8_t>* out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(as_chars(block.data()), block.size(), &length)) {
    return Status(Errc::kCompression, "snappy: bad block length header");
  }
  // Validation walks the block without writing output, so it is cheap and
  // lets garbage report as corrupt rather than as an implausible size.
  if (!snappy::IsValidCompressedBuffer(as_chars(block.data()), block.size())) {
    return Status(Errc::kCompression, "snappy: corrupt block");
  }
  if (length > max_output - out->size()) return too_large();
  size_t at = out->size();
  out->resize(at + length);
  if (!snappy::RawUncompress(as_chars(block.data()), block.size(), reinterpret_cast<char*>(out->data() + at))) {
    return Status(Errc::kCompression, "snappy: corrupt block");
  }
  return Status::ok_status();
}

Result<std::vector<uint8_t>> decompress_xerial(std::span<const uint8_t> input, size_t max_output) {
  ByteReader r(input);
  r.skip(sizeof kXerialMagic);
  // The version fields are read past, not checked: every writer has only
  // ever emitted 1/1, and a reader stricter than librdkafka's (which skips
  // them too) would refuse batches other brokers accept.
  r.read_i32();
  r.read_i32();
  if (!r.ok()) return Status(Errc::kCompression, "snappy: truncated xerial header");
  std::vector<uint8_t> out;
  while (r.remaining() > 0) {
    int32_t block_size = r.read_i32();
    if (!r.ok()) return Status(Errc::kCompression, "snappy: truncated xerial block length");
    if (block_size < 0 || static_cast<size_t>(block_size) > r.remaining()) {
      return Status(Errc::kCompression, "snappy: xerial block length exceeds input");
    }
    Status s = append_raw_block(r.read_bytes(static_cast<size_t>(block_size)), max_output, &out);
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> snappy_compress(std::span<const uint8_t> input) {
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  w.write_bytes(kXerialMagic);
  w.write_i32(kXerialVersion);
  w.write_i32(kXerialCompatibleVersion);
  std::vector<char> scratch(snappy::MaxCompressedLength(kXerialBlockSize));
  for (size_t at = 0; at < input.size(); at += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, input.size() - at);
    size_t written = 0;
    snappy::RawCompress(as_chars(input.data() + at), n, scratch.data(), &written);
    w.write_i32(static_cast<int32_t>(written));
    w.write_bytes({reinterpret_cast<const uint8_t*>(scratch.data()), written});
  }
  if (!w.ok()) return Status(Errc::kCompression, "snappy: framing failed");
  return out;
}

Result<std::vector<uint8_t>> snappy_decompress(std::span<const uint8_t> input, size_t max_output) {
  if (has_xerial_magic(input)) return decompress_xerial(input, max_output);
  std::vector<uint8_t> out;
  Status s = append_raw_block(input, max_output, &out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace runnel::codec
