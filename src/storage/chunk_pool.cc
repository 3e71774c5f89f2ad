#include "storage/chunk_pool.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "metrics/catalog.h"

namespace runnel::storage {
namespace {

// Free chunks beyond this go back to the allocator: the pool smooths the
// churn of a busy broker without pinning its peak memory for good.
constexpr size_t kMaxPooled = 2048;  // 32 MiB

struct Pool {
  std::mutex mu;
  std::vector<uint8_t*> free;
  size_t in_use = 0;
};

// Chunks handed out, in bytes, on /metrics. Never destroyed, like the pool.
metrics::GaugeCell& in_use_gauge() {
  static auto* cell = new std::shared_ptr<metrics::GaugeCell>(metrics::families().write_behind_bytes.get({}));
  return **cell;
}

Pool& pool() {
  // Never destroyed: chunks can be released by threads still running at exit.
  static Pool* p = new Pool();
  return *p;
}

void release(Chunk* chunk) {
  in_use_gauge().add(-static_cast<int64_t>(kChunkBytes));
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    --p.in_use;
    if (p.free.size() < kMaxPooled) {
      p.free.push_back(chunk->data);
      chunk->data = nullptr;
    }
  }
  std::free(chunk->data);
  delete chunk;
}

}  // namespace

std::shared_ptr<Chunk> acquire_chunk() {
  Pool& p = pool();
  uint8_t* data = nullptr;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    ++p.in_use;
    if (!p.free.empty()) {
      data = p.free.back();
      p.free.pop_back();
    }
  }
  if (data == nullptr) {
    void* fresh = nullptr;
    if (::posix_memalign(&fresh, kBlockBytes, kChunkBytes) != 0) {
      std::lock_guard<std::mutex> lock(p.mu);
      --p.in_use;
      throw std::bad_alloc();
    }
    data = static_cast<uint8_t*>(fresh);
  }
  in_use_gauge().add(static_cast<int64_t>(kChunkBytes));
  return std::shared_ptr<Chunk>(new Chunk{data}, release);
}

size_t chunks_in_use() {
  std::lock_guard<std::mutex> lock(pool().mu);
  return pool().in_use;
}

}  // namespace runnel::storage
