#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace runnel {
namespace {

// RFC 3720 appendix B.4 and the common "123456789" check value.
TEST(Crc32c, CastagnoliVectors) {
  std::vector<uint8_t> buf(32, 0x00);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x8A9136AAu);
  std::fill(buf.begin(), buf.end(), 0xFF);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x113FDB5Cu);
  std::string_view check = "123456789";
  EXPECT_EQ(crc32c(check.data(), check.size()), 0xE3069283u);
  EXPECT_EQ(crc32c(nullptr, 0), 0u);
}

using CrcFn = uint32_t (*)(uint32_t, const void*, size_t);

// Checks `fn` against the portable table at every length 0..4096 from every
// start offset 0..7, and at lengths that reach each path's long loops and tails.
void expect_agrees_with_portable(CrcFn fn) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(3 * 8192 * 2 + 4096);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t len = 0; len <= 4096; ++len) {
    for (size_t offset = 0; offset < 8; ++offset) {
      uint32_t seed = static_cast<uint32_t>(len * 2654435761u);
      ASSERT_EQ(fn(seed, buf.data() + offset, len), crc32c_portable(seed, buf.data() + offset, len))
          << "length " << len << " offset " << offset;
    }
  }
  for (size_t len : std::vector<size_t>{3 * 256, 3 * 256 + 5, 3 * 8192, 3 * 8192 + 3 * 256 + 17,
                                        3 * 8192 * 2 + 255, buf.size() - 3}) {
    ASSERT_EQ(fn(0x1234, buf.data() + 3, len), crc32c_portable(0x1234, buf.data() + 3, len))
        << "length " << len;
  }
}

TEST(Crc32c, HardwareAgreesWithPortableAtEveryLengthAndAlignment) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  expect_agrees_with_portable(crc32c_hardware);
}

TEST(Crc32c, Avx512AgreesWithPortableAtEveryLengthAndAlignment) {
  if (!crc32c_avx512_available()) GTEST_SKIP() << "no AVX-512 VPCLMULQDQ on this CPU";
  expect_agrees_with_portable(crc32c_avx512);
}

TEST(Crc32c, DispatchedAgreesWithPortable) {
  expect_agrees_with_portable([](uint32_t crc, const void* p, size_t n) { return crc32c_extend(crc, p, n); });
}

// Inputs that stress the folding arithmetic rather than random bytes: all
// ones (every product term set) and a single set bit at every position of a
// buffer spanning several fold strides.
TEST(Crc32c, StructuredInputsAgreeAcrossPaths) {
  std::vector<uint8_t> ones(2048, 0xff);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), crc32c_portable(0, ones.data(), ones.size()));
  std::vector<uint8_t> buf(1024, 0);
  for (size_t bit = 0; bit < buf.size() * 8; ++bit) {
    buf[bit / 8] = static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_EQ(crc32c(buf.data(), buf.size()), crc32c_portable(0, buf.data(), buf.size())) << "bit " << bit;
    buf[bit / 8] = 0;
  }
}

TEST(Crc32c, ExtendAcrossAnySplit) {
  std::mt19937 rng(11);
  std::vector<uint8_t> buf(3 * 8192 + 999);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  uint32_t whole = crc32c(buf.data(), buf.size());
  for (size_t split : {size_t{0}, size_t{1}, size_t{255}, size_t{4096}, size_t{3 * 8192}, buf.size()}) {
    uint32_t first = crc32c(buf.data(), split);
    EXPECT_EQ(crc32c_extend(first, buf.data() + split, buf.size() - split), whole) << "split " << split;
  }
}

}  // namespace
}  // namespace runnel
