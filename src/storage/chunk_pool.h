// Chunks: the aligned buffers an active segment's newest bytes live in
// before (and for a while after) they are written to disk with O_DIRECT.
// They are recycled through one process-wide pool, because on a VM memory the
// process has never touched costs a page fault per 4 KiB on first write,
// which made buffered writes into a growing page cache 3-4x slower than
// writes into recycled memory (docs/benchmarks.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace runnel::storage {

// O_DIRECT needs buffers, file offsets and lengths aligned to the device's
// logical block; 4 KiB covers every device we run on.
constexpr size_t kBlockBytes = 4096;
constexpr size_t kChunkBytes = 16 << 10;

// kChunkBytes of memory aligned to kBlockBytes.
struct Chunk {
  uint8_t* data = nullptr;
};

// Any thread may acquire a chunk and drop the last reference to it (the
// flusher's writes hold references): the pool is thread-safe.
std::shared_ptr<Chunk> acquire_chunk();

// Chunks handed out and not yet dropped (the tail-cache budget counts them).
size_t chunks_in_use();

}  // namespace runnel::storage
