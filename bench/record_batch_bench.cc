// Full validation (framing, CRC32C, every record) of uncompressed batches of
// 1 KiB records: the work the broker does on every produced batch.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"

namespace {

std::vector<uint8_t> batch_of(size_t bytes) {
  runnel::RecordBatchBuilder b;
  b.producer(1, 0, 0);
  std::string value(1024, 'v');
  std::string key = "key-000";
  for (size_t n = 0; n < bytes / 1024; ++n) b.add(key, value, 1'700'000'000'000 + static_cast<int64_t>(n));
  return *b.build();
}

void BM_ValidateBatch(benchmark::State& state) {
  auto bytes = batch_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto view = runnel::RecordBatchView::parse(bytes);
    auto status = view->validate();
    if (!status.ok()) state.SkipWithError("invalid batch");
    benchmark::DoNotOptimize(status);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.counters["records"] = static_cast<double>(state.range(0) / 1024);
}
BENCHMARK(BM_ValidateBatch)->Arg(16 << 10)->Arg(1 << 20);

}  // namespace
