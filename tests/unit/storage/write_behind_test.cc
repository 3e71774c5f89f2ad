#include "storage/write_behind.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <random>
#include <vector>

#include "temp_dir.h"

namespace runnel::storage {
namespace {

std::vector<uint8_t> random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng() | 1);  // never zero: padding shows
  return out;
}

std::vector<uint8_t> flatten(const PendingWrite& w) {
  std::vector<uint8_t> out;
  for (const MemoryPiece& p : w.pieces) out.insert(out.end(), p.data, p.data + p.length);
  return out;
}

// What O_DIRECT requires of a write: a block-aligned file offset, and
// buffers that are block-aligned and whole blocks long.
void expect_fit_for_direct_io(const PendingWrite& w) {
  EXPECT_EQ(w.offset % kBlockBytes, 0u);
  for (const MemoryPiece& p : w.pieces) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.data) % kBlockBytes, 0u) << "O_DIRECT needs aligned buffers";
    EXPECT_EQ(p.length % kBlockBytes, 0u) << "and whole blocks";
  }
}

TEST(WriteBehindTest, AppendsAcrossChunksReadBackFromAnyPosition) {
  WriteBehind tail(0, {});
  std::vector<uint8_t> all;
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    auto bytes = random_bytes(1 + rng() % 20000, static_cast<unsigned>(i));
    tail.append(bytes);
    all.insert(all.end(), bytes.begin(), bytes.end());
  }
  ASSERT_EQ(tail.size(), all.size());
  ASSERT_GT(all.size(), 3 * kChunkBytes) << "the test must cross chunk boundaries";
  for (int i = 0; i < 200; ++i) {
    const uint64_t from = rng() % all.size();
    const size_t n = 1 + rng() % (all.size() - from);
    std::vector<uint8_t> out(n);
    tail.copy(from, n, out.data());
    ASSERT_TRUE(std::equal(out.begin(), out.end(), all.begin() + static_cast<std::ptrdiff_t>(from))) << from;
    size_t total = 0;
    for (const MemoryPiece& p : tail.pieces(from, n)) total += p.length;
    EXPECT_EQ(total, n);
  }
}

TEST(WriteBehindTest, PendingWriteIsAlignedAndPadsTheLastBlockWithZeros) {
  WriteBehind tail(0, {});
  auto bytes = random_bytes(10000, 1);
  tail.append(bytes);
  auto w = tail.pending_write();
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->offset, 0u);
  EXPECT_EQ(w->end, 10000u);
  expect_fit_for_direct_io(*w);
  auto flat = flatten(*w);
  ASSERT_EQ(flat.size(), 12288u);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), flat.begin()));
  EXPECT_TRUE(std::all_of(flat.begin() + 10000, flat.end(), [](uint8_t b) { return b == 0; }));

  // Appending more does not change the copy of the last block already taken.
  tail.append(random_bytes(100, 2));
  EXPECT_TRUE(std::all_of(w->pieces.back().data + (10000 - 8192), w->pieces.back().data + kBlockBytes,
                          [](uint8_t b) { return b == 0; }));
}

TEST(WriteBehindTest, TheNextWriteRewritesTheLastPartialBlock) {
  WriteBehind tail(0, {});
  auto first = random_bytes(10000, 3);
  tail.append(first);
  tail.written_to(tail.pending_write()->end);
  EXPECT_EQ(tail.written(), 10000u);
  EXPECT_FALSE(tail.pending_write().has_value()) << "nothing unwritten";
  auto second = random_bytes(5000, 4);
  tail.append(second);
  auto w = tail.pending_write();
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->offset, 8192u);
  EXPECT_EQ(w->end, 15000u);
  expect_fit_for_direct_io(*w);
  auto flat = flatten(*w);
  ASSERT_EQ(flat.size(), 8192u);
  EXPECT_TRUE(std::equal(first.begin() + 8192, first.end(), flat.begin()));
  EXPECT_TRUE(std::equal(second.begin(), second.end(), flat.begin() + (10000 - 8192)));
}

TEST(WriteBehindTest, AReopenedFileKeepsItsPartialBlockForTheNextWrite) {
  auto block = random_bytes(10000 - 8192, 5);
  WriteBehind tail(10000, block);
  EXPECT_EQ(tail.memory_start(), 10000u) << "readers find the file's bytes in the file";
  EXPECT_FALSE(tail.pending_write().has_value());
  auto more = random_bytes(3000, 6);
  tail.append(more);
  auto w = tail.pending_write();
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->offset, 8192u);
  expect_fit_for_direct_io(*w);
  auto flat = flatten(*w);
  EXPECT_TRUE(std::equal(block.begin(), block.end(), flat.begin()));
  EXPECT_TRUE(std::equal(more.begin(), more.end(), flat.begin() + static_cast<std::ptrdiff_t>(block.size())));
}

TEST(WriteBehindTest, ForgettingStopsAtWhatIsWrittenAndFreesChunks) {
  const size_t before = chunks_in_use();
  WriteBehind tail(0, {});
  tail.append(random_bytes(5 * kChunkBytes + 100, 7));
  EXPECT_EQ(chunks_in_use() - before, 6u);
  tail.forget_below(3 * kChunkBytes);
  EXPECT_EQ(tail.memory_start(), 0u) << "nothing is written: everything stays";
  tail.written_to(2 * kChunkBytes + 5000);
  tail.forget_below(2 * kChunkBytes + 5001);
  EXPECT_EQ(tail.memory_start(), 0u) << "past what is written: refused";
  tail.forget_below(2 * kChunkBytes + 5000);
  EXPECT_EQ(tail.memory_start(), 2 * kChunkBytes + 5000);
  EXPECT_EQ(chunks_in_use() - before, 4u) << "the two chunks below are freed, the partial block's stays";
  std::vector<uint8_t> out(10);
  tail.copy(tail.memory_start(), out.size(), out.data());  // still readable from memory
}

TEST(WriteBehindTest, AWriteOlderThanOneAlreadyDoneIsSkipped) {
  TempDir tmp;
  const std::string path = tmp.path() + "/f";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  WriteBehind tail(0, {});
  tail.append(random_bytes(10000, 8));
  auto older = *tail.pending_write();
  auto more = random_bytes(2000, 9);
  tail.append(more);
  auto newer = *tail.pending_write();
  WriteOrder order;
  ASSERT_TRUE(write_pending(fd, newer, order).ok());
  // The older write's last block holds zeros where the newer one has data.
  ASSERT_TRUE(write_pending(fd, older, order).ok());
  std::vector<uint8_t> on_disk(2000);
  ASSERT_EQ(::pread(fd, on_disk.data(), on_disk.size(), 10000), 2000);
  EXPECT_EQ(on_disk, more) << "the stale copy of the last block was not written over the newer one";
  ::close(fd);
}

}  // namespace
}  // namespace runnel::storage
