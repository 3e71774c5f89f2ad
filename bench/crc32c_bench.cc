// CRC32C throughput of each implementation (portable table, SSE4.2 three-way,
// AVX-512 folding) and of the run-time choice that callers get, at the sizes
// Kafka checksums: small records, typical batches and large batches.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "base/crc32c.h"

namespace {

void run(benchmark::State& state, uint32_t (*fn)(uint32_t, const void*, size_t)) {
  std::vector<uint8_t> buf(static_cast<size_t>(state.range(0)));
  std::iota(buf.begin(), buf.end(), uint8_t{1});
  for (auto _ : state) benchmark::DoNotOptimize(fn(0, buf.data(), buf.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Crc32cDispatched(benchmark::State& state) {
  run(state, runnel::crc32c_extend);
}
BENCHMARK(BM_Crc32cDispatched)->Arg(64)->Arg(4096)->Arg(16 << 10)->Arg(1 << 20);

void BM_Crc32cAvx512(benchmark::State& state) {
  if (!runnel::crc32c_avx512_available()) {
    state.SkipWithError("no AVX-512 VPCLMULQDQ");
    return;
  }
  run(state, runnel::crc32c_avx512);
}
BENCHMARK(BM_Crc32cAvx512)->Arg(64)->Arg(4096)->Arg(16 << 10)->Arg(1 << 20);

void BM_Crc32cHardware(benchmark::State& state) {
  if (!runnel::crc32c_hardware_available()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  run(state, runnel::crc32c_hardware);
}
BENCHMARK(BM_Crc32cHardware)->Arg(64)->Arg(4096)->Arg(16 << 10)->Arg(1 << 20);

void BM_Crc32cPortable(benchmark::State& state) {
  run(state, runnel::crc32c_portable);
}
BENCHMARK(BM_Crc32cPortable)->Arg(64)->Arg(4096)->Arg(16 << 10)->Arg(1 << 20);

}  // namespace
