// Full validation (framing, CRC32C, every record) of uncompressed batches:
// the work the broker does on every produced batch. 1 KiB records are the
// headline figure; 100-byte records show the per-record cost of the walk, and
// the header-only case what is left when records are not walked.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"

namespace {

std::vector<uint8_t> batch_of(size_t bytes, size_t value_size) {
  runnel::RecordBatchBuilder b;
  b.producer(1, 0, 0);
  std::string value(value_size, 'v');
  std::string key = "key-000";
  for (size_t n = 0; n < bytes / value_size; ++n)
    b.add(key, value, 1'700'000'000'000 + static_cast<int64_t>(n));
  return *b.build();
}

void validate(benchmark::State& state, size_t value_size, bool check_records) {
  auto bytes = batch_of(static_cast<size_t>(state.range(0)), value_size);
  runnel::BatchValidation rules;
  rules.check_records = check_records;
  for (auto _ : state) {
    auto view = runnel::RecordBatchView::parse(bytes);
    auto status = view->validate(rules);
    if (!status.ok()) state.SkipWithError("invalid batch");
    benchmark::DoNotOptimize(status);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.counters["records"] = static_cast<double>(state.range(0) / static_cast<int64_t>(value_size));
}

void BM_ValidateBatch(benchmark::State& state) {
  validate(state, 1024, true);
}
BENCHMARK(BM_ValidateBatch)->Arg(16 << 10)->Arg(1 << 20);

void BM_ValidateBatchSmallRecords(benchmark::State& state) {
  validate(state, 100, true);
}
BENCHMARK(BM_ValidateBatchSmallRecords)->Arg(16 << 10)->Arg(1 << 20);

void BM_ValidateBatchHeaderAndCrcOnly(benchmark::State& state) {
  validate(state, 1024, false);
}
BENCHMARK(BM_ValidateBatchHeaderAndCrcOnly)->Arg(16 << 10)->Arg(1 << 20);

}  // namespace
