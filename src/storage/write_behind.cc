#include "storage/write_behind.h"

#include <fcntl.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>

namespace runnel::storage {
namespace {

uint64_t round_down(uint64_t n, uint64_t unit) {
  return n - n % unit;
}

// A zero-padded copy of a partial last block: the owner keeps appending into
// the chunk the block lives in while the flusher writes this copy.
MemoryPiece padded_block(const uint8_t* bytes, size_t n) {
  void* p = nullptr;
  if (::posix_memalign(&p, kBlockBytes, kBlockBytes) != 0) throw std::bad_alloc();
  auto* block = static_cast<uint8_t*>(p);
  std::memcpy(block, bytes, n);
  std::memset(block + n, 0, kBlockBytes - n);
  return MemoryPiece{std::shared_ptr<const void>(block, std::free), block, kBlockBytes};
}

}  // namespace

Status write_pending(int fd, const PendingWrite& w, WriteOrder& order) {
  std::lock_guard<std::mutex> lock(order.mu);
  if (w.end <= order.end) return Status();
  std::vector<iovec> iov;
  iov.reserve(w.pieces.size());
  for (const MemoryPiece& p : w.pieces) iov.push_back(iovec{const_cast<uint8_t*>(p.data), p.length});
  uint64_t offset = w.offset;
  size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::pwritev(fd, iov.data() + first, count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      // A filesystem that opens files with O_DIRECT but refuses such writes:
      // the descriptor (and the segment's, which shares its flags) falls back
      // to buffered writes.
      if (errno == EINVAL) {
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags >= 0 && (flags & O_DIRECT) != 0 && ::fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0) continue;
      }
      if (errno == ENOSPC || errno == EDQUOT) return Status(Errc::kIo, "no space left on the data device");
      return Status(Errc::kIo, "cannot write segment file");
    }
    if (n == 0) return Status(Errc::kIo, "cannot write segment file");
    offset += static_cast<uint64_t>(n);
    // Step past what was written; a short write resumes mid-buffer.
    auto left = static_cast<size_t>(n);
    while (left > 0 && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  order.end = w.end;
  return Status();
}

WriteBehind::WriteBehind(uint64_t size, std::span<const uint8_t> tail)
    : base_(round_down(size, kChunkBytes)), size_(size), written_(size), memory_start_(size) {
  const uint64_t block = round_down(size, kBlockBytes);
  if (block == size) return;
  chunks_.push_back(acquire_chunk());
  std::memcpy(chunks_.front()->data + (block - base_), tail.data(),
              std::min<size_t>(tail.size(), size - block));
}

const uint8_t* WriteBehind::at(uint64_t position) const {
  const uint64_t rel = position - base_;
  return chunks_[rel / kChunkBytes]->data + rel % kChunkBytes;
}

void WriteBehind::append(std::span<const uint8_t> bytes) {
  if (chunks_.empty()) base_ = round_down(size_, kChunkBytes);
  size_t done = 0;
  while (done < bytes.size()) {
    const uint64_t rel = size_ - base_;
    if (rel == chunks_.size() * kChunkBytes) chunks_.push_back(acquire_chunk());
    const size_t room = kChunkBytes - rel % kChunkBytes;
    const size_t n = std::min(room, bytes.size() - done);
    std::memcpy(chunks_[rel / kChunkBytes]->data + rel % kChunkBytes, bytes.data() + done, n);
    done += n;
    size_ += n;
  }
}

void WriteBehind::copy(uint64_t position, size_t n, uint8_t* out) const {
  for (const MemoryPiece& piece : pieces(position, n)) {
    std::memcpy(out, piece.data, piece.length);
    out += piece.length;
  }
}

std::vector<MemoryPiece> WriteBehind::pieces(uint64_t position, size_t n) const {
  std::vector<MemoryPiece> out;
  while (n > 0) {
    const uint64_t rel = position - base_;
    const size_t take = std::min<size_t>(n, kChunkBytes - rel % kChunkBytes);
    const auto& chunk = chunks_[rel / kChunkBytes];
    out.push_back(MemoryPiece{chunk, chunk->data + rel % kChunkBytes, take});
    position += take;
    n -= take;
  }
  return out;
}

std::optional<PendingWrite> WriteBehind::pending_write() const {
  if (written_ >= size_) return std::nullopt;
  PendingWrite w;
  w.offset = round_down(written_, kBlockBytes);
  w.end = size_;
  const uint64_t whole_end = round_down(size_, kBlockBytes);
  if (whole_end > w.offset) w.pieces = pieces(w.offset, whole_end - w.offset);
  if (size_ > whole_end) w.pieces.push_back(padded_block(at(whole_end), size_ - whole_end));
  return w;
}

void WriteBehind::written_to(uint64_t end) {
  written_ = std::max(written_, std::min(end, size_));
  drop_unneeded();
}

void WriteBehind::forget_below(uint64_t position) {
  // Capping would split a batch: a position past what is written is refused.
  if (position > written_) return;
  memory_start_ = std::max(memory_start_, position);
  drop_unneeded();
}

void WriteBehind::drop_unneeded() {
  const uint64_t keep_from = std::min(memory_start_, round_down(written_, kBlockBytes));
  while (!chunks_.empty() && base_ + kChunkBytes <= keep_from) {
    chunks_.pop_front();
    base_ += kChunkBytes;
  }
}

}  // namespace runnel::storage
