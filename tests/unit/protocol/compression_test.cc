#include "protocol/compression.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace runnel {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr CompressionType kCodecs[] = {CompressionType::kGzip, CompressionType::kSnappy, CompressionType::kLz4,
                                       CompressionType::kZstd};
constexpr size_t kMiB = 1024 * 1024;

Bytes random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Text-like data with long repeats, the shape real record batches have.
Bytes compressible_bytes(size_t n) {
  Bytes out;
  out.reserve(n);
  for (size_t i = 0; out.size() < n; ++i) {
    std::string line = "{\"id\":" + std::to_string(i) + ",\"event\":\"page_view\",\"path\":\"/items/" +
                       std::to_string(i % 97) + "\"}\n";
    out.insert(out.end(), line.begin(), line.end());
  }
  out.resize(n);
  return out;
}

Bytes as_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes read_testdata(const std::string& name) {
  std::ifstream in(std::string(RUNNEL_TEST_DATA_DIR) + "/compression/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string codec_param_name(const testing::TestParamInfo<CompressionType>& info) {
  return std::string(compression_name(info.param));
}

TEST(Compression, NamesMatchKafkaConfigValues) {
  EXPECT_EQ(compression_name(CompressionType::kNone), "none");
  EXPECT_EQ(compression_name(CompressionType::kGzip), "gzip");
  EXPECT_EQ(compression_name(CompressionType::kSnappy), "snappy");
  EXPECT_EQ(compression_name(CompressionType::kLz4), "lz4");
  EXPECT_EQ(compression_name(CompressionType::kZstd), "zstd");
  EXPECT_EQ(compression_name(static_cast<CompressionType>(6)), "unknown");
}

TEST(Compression, UnassignedAttributeCodesAreErrors) {
  Bytes data = as_bytes("abc");
  for (uint8_t code : {5, 6, 7}) {
    auto type = static_cast<CompressionType>(code);
    EXPECT_EQ(compress(type, data).status().code(), Errc::kCompression);
    EXPECT_EQ(decompress(type, data, kMiB).status().code(), Errc::kCompression);
  }
}

TEST(Compression, NoneCopiesAndStillHonoursTheLimit) {
  Bytes data = as_bytes("uncompressed records");
  auto packed = compress(CompressionType::kNone, data);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(*packed, data);
  auto back = decompress(CompressionType::kNone, *packed, data.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
  EXPECT_EQ(decompress(CompressionType::kNone, *packed, data.size() - 1).status().code(), Errc::kTooLarge);
}

class CodecTest : public testing::TestWithParam<CompressionType> {};

TEST_P(CodecTest, RoundTripsEmptySmallRandomAndCompressible) {
  const std::vector<Bytes> inputs = {{}, as_bytes("k0value-0"), random_bytes(kMiB, 7), compressible_bytes(kMiB)};
  for (const Bytes& input : inputs) {
    auto packed = compress(GetParam(), input);
    ASSERT_TRUE(packed.ok()) << packed.status().to_string();
    auto back = decompress(GetParam(), *packed, input.size() + 16);
    ASSERT_TRUE(back.ok()) << "size " << input.size() << ": " << back.status().to_string();
    EXPECT_EQ(*back, input) << "size " << input.size();
  }
}

TEST_P(CodecTest, CompressibleInputActuallyShrinks) {
  Bytes input = compressible_bytes(kMiB);
  auto packed = compress(GetParam(), input);
  ASSERT_TRUE(packed.ok());
  EXPECT_LT(packed->size(), input.size() / 4);
}

TEST_P(CodecTest, OutputExactlyAtTheLimitIsAcceptedOneOverIsNot) {
  Bytes input = compressible_bytes(200 * 1024 + 3);
  auto packed = compress(GetParam(), input);
  ASSERT_TRUE(packed.ok());
  auto at_limit = decompress(GetParam(), *packed, input.size());
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().to_string();
  EXPECT_EQ(*at_limit, input);
  EXPECT_EQ(decompress(GetParam(), *packed, input.size() - 1).status().code(), Errc::kTooLarge);
  EXPECT_EQ(decompress(GetParam(), *packed, 0).status().code(), Errc::kTooLarge);
}

TEST_P(CodecTest, EveryTruncationIsACompressionError) {
  Bytes input = compressible_bytes(100 * 1024);
  auto packed = compress(GetParam(), input);
  ASSERT_TRUE(packed.ok());
  for (size_t n = 0; n < packed->size(); ++n) {
    std::span<const uint8_t> prefix(packed->data(), n);
    auto out = decompress(GetParam(), prefix, 4 * kMiB);
    if (out.ok() && GetParam() == CompressionType::kSnappy) {
      // xerial framing has no end marker: a cut exactly between blocks is a
      // well-formed shorter stream. It must then be a block-aligned prefix.
      ASSERT_EQ(out->size() % (32 * 1024), 0u) << "cut at " << n;
      ASSERT_TRUE(std::equal(out->begin(), out->end(), input.begin())) << "cut at " << n;
      continue;
    }
    ASSERT_FALSE(out.ok()) << "cut at " << n << " of " << packed->size();
    ASSERT_EQ(out.status().code(), Errc::kCompression) << "cut at " << n << ": " << out.status().to_string();
  }
}

TEST_P(CodecTest, GarbageIsACompressionError) {
  for (size_t size : {1, 2, 7, 8, 16, 17, 64, 1000, 65536}) {
    for (uint32_t seed = 1; seed <= 8; ++seed) {
      Bytes garbage = random_bytes(size, seed * 1000 + static_cast<uint32_t>(size));
      auto out = decompress(GetParam(), garbage, kMiB);
      if (out.ok() && GetParam() == CompressionType::kSnappy) {
        // A raw snappy block has no magic or checksum, so short random bytes
        // (a lone 0x00 is the empty block) can be valid. Then they must
        // decode exactly as the reference decoder decodes them.
        std::string expected;
        ASSERT_TRUE(snappy::Uncompress(reinterpret_cast<const char*>(garbage.data()), garbage.size(), &expected))
            << "size " << size << " seed " << seed;
        EXPECT_EQ(*out, as_bytes(expected));
        continue;
      }
      ASSERT_FALSE(out.ok()) << "size " << size << " seed " << seed;
      EXPECT_EQ(out.status().code(), Errc::kCompression) << out.status().to_string();
    }
  }
}

// Flipped bytes inside a valid stream reach deeper decoder states than random
// garbage. Codecs without checksums may legitimately decode a changed literal,
// so the contract checked is: no crash, and any failure is a codec error.
TEST_P(CodecTest, CorruptedStreamsFailCleanly) {
  Bytes input = compressible_bytes(64 * 1024);
  auto packed = compress(GetParam(), input);
  ASSERT_TRUE(packed.ok());
  std::mt19937 rng(42);
  for (int i = 0; i < 500; ++i) {
    Bytes broken = *packed;
    for (int flips = 0; flips < 3; ++flips) broken[rng() % broken.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto out = decompress(GetParam(), broken, kMiB);
    if (!out.ok()) {
      ASSERT_TRUE(out.status().code() == Errc::kCompression || out.status().code() == Errc::kTooLarge)
          << out.status().to_string();
    } else {
      ASSERT_LE(out->size(), kMiB);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest, testing::ValuesIn(kCodecs), codec_param_name);

// --- decompression bombs -----------------------------------------------------
// Each bomb is 100 MiB of zeros, built with the libraries' streaming encoders
// so the test itself never holds 100 MiB and the RSS high-water mark measures
// the decoder alone.

constexpr size_t kBombSize = 100 * kMiB;
constexpr size_t kBombChunk = 64 * 1024;

Bytes gzip_bomb() {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes zeros(kBombChunk), out(kMiB), packed;
  for (size_t fed = 0; fed < kBombSize; fed += kBombChunk) {
    z.next_in = zeros.data();
    z.avail_in = kBombChunk;
    bool last = fed + kBombChunk >= kBombSize;
    do {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      packed.insert(packed.end(), out.data(), out.data() + (out.size() - z.avail_out));
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return packed;
}

Bytes lz4_bomb() {
  LZ4F_cctx* ctx = nullptr;
  EXPECT_FALSE(LZ4F_isError(LZ4F_createCompressionContext(&ctx, LZ4F_VERSION)));
  LZ4F_preferences_t prefs{};
  // A content size that tells the truth: the decoder must still not size
  // its buffer from it.
  prefs.frameInfo.contentSize = kBombSize;
  Bytes zeros(kBombChunk), out(LZ4F_compressBound(kBombChunk, &prefs) + LZ4F_HEADER_SIZE_MAX), packed;
  size_t n = LZ4F_compressBegin(ctx, out.data(), out.size(), &prefs);
  packed.insert(packed.end(), out.data(), out.data() + n);
  for (size_t fed = 0; fed < kBombSize; fed += kBombChunk) {
    n = LZ4F_compressUpdate(ctx, out.data(), out.size(), zeros.data(), zeros.size(), nullptr);
    EXPECT_FALSE(LZ4F_isError(n));
    packed.insert(packed.end(), out.data(), out.data() + n);
  }
  n = LZ4F_compressEnd(ctx, out.data(), out.size(), nullptr);
  packed.insert(packed.end(), out.data(), out.data() + n);
  LZ4F_freeCompressionContext(ctx);
  return packed;
}

Bytes zstd_bomb() {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setPledgedSrcSize(ctx, kBombSize);
  Bytes zeros(kBombChunk), out(ZSTD_CStreamOutSize()), packed;
  for (size_t fed = 0; fed < kBombSize; fed += kBombChunk) {
    bool last = fed + kBombChunk >= kBombSize;
    ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
    size_t remaining;
    do {
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      remaining = ZSTD_compressStream2(ctx, &o, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      EXPECT_FALSE(ZSTD_isError(remaining));
      packed.insert(packed.end(), out.data(), out.data() + o.pos);
    } while (last ? remaining != 0 : in.pos < in.size);
  }
  ZSTD_freeCCtx(ctx);
  return packed;
}

// xerial framing: the same compressed 32 KiB block of zeros, 3200 times.
Bytes snappy_bomb() {
  Bytes packed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1};
  std::string zeros(32 * 1024, '\0'), block;
  snappy::Compress(zeros.data(), zeros.size(), &block);
  for (size_t fed = 0; fed < kBombSize; fed += zeros.size()) {
    uint32_t n = static_cast<uint32_t>(block.size());
    const uint8_t len[4] = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
    packed.insert(packed.end(), len, len + 4);
    packed.insert(packed.end(), block.begin(), block.end());
  }
  return packed;
}

Bytes bomb_for(CompressionType type) {
  switch (type) {
    case CompressionType::kGzip: return gzip_bomb();
    case CompressionType::kSnappy: return snappy_bomb();
    case CompressionType::kLz4: return lz4_bomb();
    case CompressionType::kZstd: return zstd_bomb();
    case CompressionType::kNone: break;
  }
  return {};
}

TEST_P(CodecTest, DecompressionBombStopsAtTheLimitQuicklyAndCheaply) {
  Bytes bomb = bomb_for(GetParam());
  ASSERT_LT(bomb.size(), 8 * kMiB);  // it is a bomb: tiny input, huge output
  long rss_before = max_rss_kib();
  auto start = std::chrono::steady_clock::now();
  auto out = decompress(GetParam(), bomb, kMiB);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Errc::kTooLarge) << out.status().to_string();
  // Decoding all 100 MiB would take far longer and raise the high-water mark
  // by ~100 MiB; stopping at the limit costs a few MiB at most.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
  EXPECT_LT(max_rss_kib() - rss_before, 24 * 1024) << "KiB of RSS growth";
}

TEST(CompressionSnappy, RawBlockDeclaringAHugeLengthIsRefusedBeforeAllocating) {
  std::string zeros(kMiB, '\0'), block;
  snappy::Compress(zeros.data(), zeros.size(), &block);
  long rss_before = max_rss_kib();
  auto out = decompress(CompressionType::kSnappy, as_bytes(block), 64 * 1024);
  EXPECT_EQ(out.status().code(), Errc::kTooLarge);
  EXPECT_LT(max_rss_kib() - rss_before, 512);
}

// --- snappy framing ----------------------------------------------------------

TEST(CompressionSnappy, AcceptsARawBlock) {
  Bytes input = compressible_bytes(100 * 1024);
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &raw);
  auto out = decompress(CompressionType::kSnappy, as_bytes(raw), kMiB);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, input);
}

TEST(CompressionSnappy, WritesXerialFramingIn32KiBBlocks) {
  Bytes input = compressible_bytes(100 * 1024);
  auto packed = compress(CompressionType::kSnappy, input);
  ASSERT_TRUE(packed.ok());
  const Bytes header = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GE(packed->size(), header.size());
  EXPECT_TRUE(std::equal(header.begin(), header.end(), packed->begin()));
  std::vector<size_t> block_sizes;
  size_t at = header.size();
  while (at < packed->size()) {
    ASSERT_LE(at + 4, packed->size());
    const uint8_t* p = packed->data() + at;
    size_t n = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
    ASSERT_LE(at + 4 + n, packed->size());
    size_t block_out = 0;
    ASSERT_TRUE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(p + 4), n, &block_out));
    block_sizes.push_back(block_out);
    at += 4 + n;
  }
  EXPECT_EQ(block_sizes, (std::vector<size_t>{32768, 32768, 32768, 4096}));
}

TEST(CompressionSnappy, EmptyInputIsJustTheHeader) {
  auto packed = compress(CompressionType::kSnappy, {});
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(packed->size(), 16u);
  auto out = decompress(CompressionType::kSnappy, *packed, 0);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->empty());
}

TEST(CompressionSnappy, LyingXerialBlockLengthsAreCompressionErrors) {
  Bytes input = compressible_bytes(40 * 1024);
  auto packed = compress(CompressionType::kSnappy, input);
  ASSERT_TRUE(packed.ok());
  auto with_first_length = [&](int64_t length) {
    Bytes b = *packed;
    uint32_t n = static_cast<uint32_t>(length);
    b[16] = uint8_t(n >> 24);
    b[17] = uint8_t(n >> 16);
    b[18] = uint8_t(n >> 8);
    b[19] = uint8_t(n);
    return decompress(CompressionType::kSnappy, b, kMiB).status().code();
  };
  size_t true_length = (size_t{(*packed)[18]} << 8) | (*packed)[19];
  EXPECT_EQ(with_first_length(-1), Errc::kCompression);
  EXPECT_EQ(with_first_length(0), Errc::kCompression);
  EXPECT_EQ(with_first_length(0x7fffffff), Errc::kCompression);
  EXPECT_EQ(with_first_length(static_cast<int64_t>(packed->size())), Errc::kCompression);
  EXPECT_EQ(with_first_length(static_cast<int64_t>(true_length) - 1), Errc::kCompression);
  EXPECT_EQ(with_first_length(static_cast<int64_t>(true_length) + 1), Errc::kCompression);
  EXPECT_EQ(with_first_length(static_cast<int64_t>(true_length)), Errc::kOk);
}

// --- files written by the standard command-line tools ---------------------------
// testdata/compression/README.md says how each was made.

TEST(CompressionCliFiles, GzipFileDecompresses) {
  auto out = decompress(CompressionType::kGzip, read_testdata("fox.txt.gz"), kMiB);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, read_testdata("fox.txt"));
}

TEST(CompressionCliFiles, ConcatenatedGzipMembersDecompressAsOneStream) {
  auto out = decompress(CompressionType::kGzip, read_testdata("fox.txt.members.gz"), kMiB);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, read_testdata("fox.txt"));
}

TEST(CompressionCliFiles, Lz4FrameFileDecompresses) {
  auto out = decompress(CompressionType::kLz4, read_testdata("fox.txt.lz4"), kMiB);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, read_testdata("fox.txt"));
}

TEST(CompressionCliFiles, Lz4LegacyFormatIsRefused) {
  auto out = decompress(CompressionType::kLz4, read_testdata("fox.txt.legacy.lz4"), kMiB);
  EXPECT_EQ(out.status().code(), Errc::kCompression);
}

TEST(CompressionCliFiles, ZstdFileDecompresses) {
  auto out = decompress(CompressionType::kZstd, read_testdata("fox.txt.zst"), kMiB);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, read_testdata("fox.txt"));
}

TEST(CompressionCliFiles, GzipFileTrailingGarbageIsRefused) {
  Bytes data = read_testdata("fox.txt.gz");
  data.push_back('x');
  EXPECT_EQ(decompress(CompressionType::kGzip, data, kMiB).status().code(), Errc::kCompression);
}

}  // namespace
}  // namespace runnel
