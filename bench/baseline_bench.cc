// Baselines for the micro benchmarks: how fast this machine reads and copies
// memory from a single core. docs/benchmarks.md quotes every byte-throughput
// figure as a ratio to BM_MemoryRead at the same size, measured in the same run.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

namespace {

std::vector<uint8_t> make_buffer(size_t n) {
  std::vector<uint8_t> buf(n);
  std::iota(buf.begin(), buf.end(), uint8_t{0});
  return buf;
}

// Sums 64-bit words: the cheapest pass that must touch every byte.
void BM_MemoryRead(benchmark::State& state) {
  auto buf = make_buffer(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    uint64_t sum = 0;
    const uint8_t* p = buf.data();
    size_t n = buf.size();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      sum += w;
    }
    for (; i < n; ++i) sum += p[i];
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_MemoryRead)->Arg(64)->Arg(4096)->Arg(16 << 10)->Arg(1 << 20);

void BM_Memcpy(benchmark::State& state) {
  auto src = make_buffer(static_cast<size_t>(state.range(0)));
  std::vector<uint8_t> dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Memcpy)->Arg(64)->Arg(4096)->Arg(16 << 10)->Arg(1 << 20);

}  // namespace
