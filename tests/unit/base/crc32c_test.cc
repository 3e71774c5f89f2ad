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

TEST(Crc32c, HardwareAgreesWithPortableAtEveryLengthAndAlignment) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(4096 + 64 + 3 * 8192 * 2);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t len = 0; len <= 4096; ++len) {
    size_t offset = len % 7;
    ASSERT_EQ(crc32c_hardware(0, buf.data() + offset, len), crc32c_portable(0, buf.data() + offset, len))
        << "length " << len;
  }
  // Long enough for the three-way paths with both block sizes and a tail.
  for (size_t len : std::vector<size_t>{3 * 256, 3 * 256 + 5, 3 * 8192, 3 * 8192 + 3 * 256 + 17, buf.size() - 3}) {
    ASSERT_EQ(crc32c_hardware(0x1234, buf.data() + 3, len), crc32c_portable(0x1234, buf.data() + 3, len))
        << "length " << len;
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
