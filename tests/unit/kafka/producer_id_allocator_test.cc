// ProducerIdAllocator: ids never repeat, within one run, across reopening
// (which is also what a crash looks like: nothing is written at close), and
// a damaged file stops it instead of letting it guess.
#include "kafka/producer_id_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "../storage/temp_dir.h"

namespace runnel::kafka {
namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(ProducerIdAllocator, AFreshDirectoryStartsAtZeroAndWritesNothingUntilUsed) {
  storage::TempDir dir;
  auto ids = ProducerIdAllocator::open(dir.path());
  ASSERT_TRUE(ids.ok()) << ids.status().to_string();
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/producer-ids"));
  for (int64_t want = 0; want < 5; ++want) {
    auto id = ids->next();
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, want);
  }
  EXPECT_EQ(ids->reserved_end(), kProducerIdBlockSize);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/producer-ids"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/producer-ids.tmp"));
}

TEST(ProducerIdAllocator, IdsNeverRepeatAcrossReopens) {
  storage::TempDir dir;
  std::set<int64_t> seen;
  int64_t last = -1;
  // Small blocks, so runs end inside a block, at its end, and across several.
  for (int run = 0; run < 12; ++run) {
    auto ids = ProducerIdAllocator::open(dir.path(), 4);
    ASSERT_TRUE(ids.ok()) << ids.status().to_string();
    for (int i = 0; i < run; ++i) {
      auto id = ids->next();
      ASSERT_TRUE(id.ok());
      EXPECT_TRUE(seen.insert(*id).second) << "id " << *id << " repeated in run " << run;
      EXPECT_GT(*id, last);
      last = *id;
    }
    // The allocator is dropped without any shutdown step, as in a crash.
  }
  EXPECT_EQ(seen.size(), 66u);
}

TEST(ProducerIdAllocator, ABlockSizeChangeStillNeverRepeats) {
  storage::TempDir dir;
  auto big = ProducerIdAllocator::open(dir.path(), 100);
  ASSERT_TRUE(big.ok());
  ASSERT_EQ(*big->next(), 0);
  auto small = ProducerIdAllocator::open(dir.path(), 3);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(*small->next(), 100);
}

TEST(ProducerIdAllocator, AFailedReservationIsAnErrorAndIsRetried) {
  storage::TempDir dir;
  std::string meta = dir.path() + "/meta";
  auto ids = ProducerIdAllocator::open(meta, 2);  // the directory does not exist yet
  ASSERT_TRUE(ids.ok());
  auto failed = ids->next();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Errc::kIo);
  std::filesystem::create_directory(meta);
  EXPECT_EQ(*ids->next(), 0);
  EXPECT_EQ(*ids->next(), 1);
  EXPECT_EQ(*ids->next(), 2);
  EXPECT_EQ(ids->reserved_end(), 4);
}

TEST(ProducerIdAllocator, ExhaustionIsAnError) {
  storage::TempDir dir;
  const int64_t max = std::numeric_limits<int64_t>::max();
  {
    auto ids = ProducerIdAllocator::open(dir.path(), max);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids->next(), 0);
    EXPECT_EQ(ids->reserved_end(), max);
  }
  auto ids = ProducerIdAllocator::open(dir.path(), 1);
  ASSERT_TRUE(ids.ok());
  auto id = ids->next();
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), Errc::kTooLarge);
}

TEST(ProducerIdAllocator, ABadBlockSizeIsRefused) {
  storage::TempDir dir;
  EXPECT_EQ(ProducerIdAllocator::open(dir.path(), 0).status().code(), Errc::kInvalidValue);
  EXPECT_EQ(ProducerIdAllocator::open(dir.path(), -5).status().code(), Errc::kInvalidValue);
}

TEST(ProducerIdAllocator, ADamagedFileIsRefusedRatherThanGuessed) {
  storage::TempDir dir;
  std::string path = dir.path() + "/producer-ids";
  {
    auto ids = ProducerIdAllocator::open(dir.path());
    ASSERT_TRUE(ids.ok());
    ASSERT_TRUE(ids->next().ok());
  }
  const std::vector<uint8_t> good = read_bytes(path);
  ASSERT_EQ(good.size(), 18u);
  for (size_t n = 0; n < good.size(); ++n) {
    write_bytes(path, std::vector<uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_FALSE(ProducerIdAllocator::open(dir.path()).ok()) << "cut at " << n;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= static_cast<uint8_t>(1u << bit);
      write_bytes(path, bad);
      EXPECT_FALSE(ProducerIdAllocator::open(dir.path()).ok()) << "byte " << i << " bit " << bit;
    }
  }
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  write_bytes(path, longer);
  EXPECT_EQ(ProducerIdAllocator::open(dir.path()).status().code(), Errc::kTrailingBytes);
  write_bytes(path, good);
  auto ids = ProducerIdAllocator::open(dir.path());
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids->next(), kProducerIdBlockSize);
}

}  // namespace
}  // namespace runnel::kafka
