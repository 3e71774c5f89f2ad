// WriteBehind: the newest bytes of a segment, held in memory. An append is
// copied here and is readable at once; the flusher later writes it to the
// segment file with O_DIRECT (whole aligned blocks from these chunks, the
// last partial block from a zero-padded copy, rewritten by the next write).
// After that the bytes stay here for a while, so consumers at the tail of
// the log are served from memory while the page cache holds none of our
// writes. Owned by one shard's thread; a PendingWrite may be used on the
// flusher's, since the bytes it names never change.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "storage/chunk_pool.h"

namespace runnel::storage {

// Log bytes in memory; `owner` keeps them alive and unchanged.
struct MemoryPiece {
  std::shared_ptr<const void> owner;
  const uint8_t* data = nullptr;
  size_t length = 0;
};

// One write that brings a segment file up to date: block-aligned buffers
// for a block-aligned file offset, fit for O_DIRECT.
struct PendingWrite {
  uint64_t offset = 0;
  uint64_t end = 0;  // the logical end on disk once it is done
  std::vector<MemoryPiece> pieces;
};

// Orders the writes of one segment file made from two threads (the
// flusher's, and a blocking flush on the owner's): a write that ends before
// one already done would put back a stale copy of the last block.
struct WriteOrder {
  std::mutex mu;
  uint64_t end = 0;  // logical end of the furthest write done
};

// Writes `w` through `fd` (retrying short writes), unless a write reaching
// at least as far is already done.
Status write_pending(int fd, const PendingWrite& w, WriteOrder& order);

class WriteBehind {
 public:
  // For a segment file of `size` bytes, all of them on disk. `tail` holds
  // the bytes of its last partial block ([size rounded down to a block,
  // size)), which the next write rewrites.
  WriteBehind(uint64_t size, std::span<const uint8_t> tail);

  uint64_t size() const { return size_; }
  // Bytes below this are on disk.
  uint64_t written() const { return written_; }
  // Bytes from here to size() are held here; readers take the ones below
  // from the file.
  uint64_t memory_start() const { return memory_start_; }
  uint64_t unwritten_bytes() const { return size_ - written_; }

  void append(std::span<const uint8_t> bytes);
  // [position, position + n) must lie within [memory_start(), size()).
  void copy(uint64_t position, size_t n, uint8_t* out) const;
  std::vector<MemoryPiece> pieces(uint64_t position, size_t n) const;

  // The write that puts everything unwritten on disk; none when nothing is.
  std::optional<PendingWrite> pending_write() const;
  // A write up to `end` (a PendingWrite's) finished.
  void written_to(uint64_t end);
  // Readers take the bytes below `position` from the file from now on. It
  // must be a batch boundary (no batch is split between the file and
  // memory) within what is written; one past it is ignored. The last
  // partial block stays in memory all the same, for the next write.
  void forget_below(uint64_t position);

 private:
  // Frees the chunks below both what readers need and what the next write rewrites.
  void drop_unneeded();
  const uint8_t* at(uint64_t position) const;

  std::deque<std::shared_ptr<Chunk>> chunks_;
  uint64_t base_ = 0;  // file position of chunks_.front(), a multiple of kChunkBytes
  uint64_t size_ = 0;
  uint64_t written_ = 0;
  uint64_t memory_start_ = 0;
};

}  // namespace runnel::storage
