// Generated Kafka codec throughput: Produce request decode (flexible v9 and classic v7) for one
// topic x 6 partitions x 16 KiB records views, and Fetch response encode of the same shape. The
// records are views, so these measure the per-field work, not a 96 KiB copy.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "protocol/kafka/generated/fetch.h"
#include "protocol/kafka/generated/produce.h"

namespace runnel::kafka {
namespace {

constexpr int kPartitions = 6;
constexpr size_t kRecordsBytes = 16 * 1024;

const std::vector<uint8_t>& records_buffer() {
  static const std::vector<uint8_t> buf(kRecordsBytes, 0x5a);
  return buf;
}

std::vector<uint8_t> produce_body(int16_t version) {
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  auto& topic = req.topic_data.emplace_back();
  topic.name = "bench-topic";
  for (int p = 0; p < kPartitions; ++p) {
    auto& part = topic.partition_data.emplace_back();
    part.index = p;
    part.records = RecordsView{records_buffer()};
  }
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  req.encode(w, version);
  return out;
}

void decode_produce(benchmark::State& state, int16_t version) {
  const std::vector<uint8_t> body = produce_body(version);
  for (auto _ : state) {
    ByteReader r(body);
    ProduceRequest req;
    req.decode(r, version);
    if (!r.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(req);
  }
  // Records are views, so decode cost does not grow with the payload: report
  // requests per second, not a misleading byte rate.
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_ProduceRequestDecodeV9(benchmark::State& state) {
  decode_produce(state, 9);
}
void BM_ProduceRequestDecodeV7(benchmark::State& state) {
  decode_produce(state, 7);
}
BENCHMARK(BM_ProduceRequestDecodeV9);
BENCHMARK(BM_ProduceRequestDecodeV7);

void BM_FetchResponseEncodeV12(benchmark::State& state) {
  FetchResponse resp;
  resp.session_id = 1;
  auto& topic = resp.responses.emplace_back();
  topic.topic = "bench-topic";
  for (int p = 0; p < kPartitions; ++p) {
    auto& part = topic.partitions.emplace_back();
    part.partition_index = p;
    part.high_watermark = 1000000;
    part.last_stable_offset = 1000000;
    part.log_start_offset = 0;
    part.records = RecordsView{records_buffer()};
  }
  std::vector<uint8_t> out;
  for (auto _ : state) {
    out.clear();
    ByteWriter w(&out);
    w.reserve_total(resp.encoded_size(12));
    resp.encode(w, 12);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_FetchResponseEncodeV12);

}  // namespace
}  // namespace runnel::kafka
