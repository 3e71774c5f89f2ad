// The broker's request path against the storage engine beneath it, measured
// in the same run on the same filesystem: what handling a Kafka request
// (decode, route to the owning shard, validate the batch, append, encode the
// answer) costs on top of the log itself. Network and client costs are not
// here; `runnel bench` (issue 7) measures those end to end.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/byte_writer.h"
#include "kafka/local_broker.h"
#include "kafka/topic_controller.h"
#include "protocol/kafka/generated/api_table.h"
#include "protocol/kafka/generated/fetch.h"
#include "protocol/kafka/generated/headers.h"
#include "protocol/kafka/generated/produce.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/flusher.h"
#include "storage/log.h"

namespace {

namespace fs = std::filesystem;
using namespace runnel;

constexpr size_t kMiB = 1 << 20;
constexpr size_t kRunBytes = 64 * kMiB;

std::string bench_dir(const std::string& name) {
  const char* env = std::getenv("RUNNEL_BENCH_DIR");
  std::string dir = std::string(env ? env : "build/bench-data") + "/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// 16 records of 1 KiB: a 16 KiB batch, as a producer with default batching sends.
std::vector<uint8_t> batch_16k() {
  RecordBatchBuilder b;
  const std::string value(1024, 'v');
  for (int i = 0; i < 16; ++i) b.add(std::string("key-").append(std::to_string(i)), value, 1700000000000 + i);
  auto built = b.build();
  if (!built.ok()) std::abort();
  return *built;
}

template <typename Request>
std::vector<uint8_t> frame_of(const Request& request, int16_t version) {
  kafka::RequestHeader header;
  header.request_api_key = Request::kApiKey;
  header.request_api_version = version;
  header.correlation_id = 1;
  header.client_id = "bench";
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  header.encode(w, kafka::request_header_version(Request::kApiKey, version));
  request.encode(w, version);
  return out;
}

std::unique_ptr<kafka::LocalBroker> broker_with_topic(const std::string& dir) {
  kafka::BrokerConfig config;
  config.data_dir = dir;
  auto broker = std::make_unique<kafka::LocalBroker>(config);
  kafka::TopicSpec spec;
  spec.name = "bench";
  spec.partitions = 1;
  auto create = [spec](kafka::TopicController& c) { return c.create(spec, false); };
  broker->run(broker->broker().on_controller<kafka::TopicOutcome>(create));
  return broker;
}

std::vector<uint8_t> produce_frame(std::vector<uint8_t>& batch, int16_t acks) {
  kafka::ProduceRequest request;
  request.acks = acks;
  request.timeout_ms = 30000;
  auto& t = request.topic_data.emplace_back();
  t.name = "bench";
  auto& p = t.partition_data.emplace_back();
  p.index = 0;
  p.records = kafka::RecordsView{batch};
  return frame_of(request, 9);
}

// Baseline: the same batches appended straight to a Log (acks=1 semantics:
// written, not waited for).
void BM_LogAppend16K(benchmark::State& state) {
  std::string dir = bench_dir("broker-log");
  auto batch = batch_16k();
  size_t bytes = 0;
  int run = 0;
  for (auto _ : state) {
    auto log = storage::Log::open(dir + "/" + std::to_string(run++), storage::LogConfig{},
                                  [] { return int64_t{1'700'000'000'000}; });
    if (!log.ok()) std::abort();
    for (size_t done = 0; done < kRunBytes; done += batch.size()) {
      if (!(*log)->append(batch).ok()) std::abort();
    }
    bytes += kRunBytes;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("baseline");
}
BENCHMARK(BM_LogAppend16K)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Produce requests (v9, acks=1, one 16 KiB batch each) through dispatch and
// the produce handler of an in-process broker.
void BM_BrokerProduce16KAcks1(benchmark::State& state) {
  std::string dir = bench_dir("broker-produce");
  auto batch = batch_16k();
  size_t bytes = 0;
  auto broker = broker_with_topic(dir);
  // One frame sent again and again: the broker rewrites the batch's base
  // offset in place, so this measures the broker, not building requests.
  auto frame = produce_frame(batch, 1);
  for (auto _ : state) {
    for (size_t done = 0; done < kRunBytes; done += batch.size()) {
      kafka::Dispatched d = broker->request(frame);
      if (d.action != kafka::Dispatched::Action::kRespond) std::abort();
    }
    bytes += kRunBytes;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("vs BM_LogAppend16K");
}
BENCHMARK(BM_BrokerProduce16KAcks1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Baseline: reading the partition's segment file front to back in 1 MiB
// preads (page cache warm), as a catch-up consumer's bytes.
void BM_SegmentRead1MiB(benchmark::State& state);
// Fetch requests (v12, 1 MiB max) reading the whole partition from offset 0.
void BM_BrokerFetch1MiB(benchmark::State& state);

struct FilledBroker {
  std::string dir;
  std::unique_ptr<kafka::LocalBroker> broker;
  int64_t end = 0;
};

FilledBroker& filled() {
  static FilledBroker f = [] {
    FilledBroker out;
    out.dir = bench_dir("broker-fetch");
    out.broker = broker_with_topic(out.dir);
    auto batch = batch_16k();
    for (size_t done = 0; done < kRunBytes; done += batch.size()) {
      auto frame = produce_frame(batch, 1);
      out.broker->request(frame);
      out.end += 16;
    }
    return out;
  }();
  return f;
}

void BM_SegmentRead1MiB(benchmark::State& state) {
  FilledBroker& f = filled();
  std::string segment;
  for (const auto& entry : fs::directory_iterator(f.dir + "/kafka/bench/0")) {
    if (entry.path().extension() == ".log") segment = entry.path();
  }
  std::vector<uint8_t> buf(kMiB);
  size_t bytes = 0;
  for (auto _ : state) {
    int fd = ::open(segment.c_str(), O_RDONLY);
    ssize_t n;
    off_t at = 0;
    while ((n = ::pread(fd, buf.data(), buf.size(), at)) > 0) {
      at += n;
      bytes += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("baseline");
}
BENCHMARK(BM_SegmentRead1MiB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BrokerFetch1MiB(benchmark::State& state) {
  FilledBroker& f = filled();
  size_t bytes = 0;
  for (auto _ : state) {
    int64_t offset = 0;
    while (offset < f.end) {
      kafka::FetchRequest request;
      request.max_wait_ms = 0;
      request.min_bytes = 1;
      request.max_bytes = static_cast<int32_t>(kMiB);
      auto& t = request.topics.emplace_back();
      t.topic = "bench";
      auto& p = t.partitions.emplace_back();
      p.partition = 0;
      p.fetch_offset = offset;
      p.partition_max_bytes = static_cast<int32_t>(kMiB);
      auto frame = frame_of(request, 12);
      kafka::Dispatched d = f.broker->request(frame);
      kafka::FetchResponse response;
      ByteReader r(d.body);
      response.decode(r, 12);
      const auto& records = response.responses.at(0).partitions.at(0).records;
      if (!r.ok() || !records || records->bytes.empty()) std::abort();
      bytes += records->bytes.size();
      // The last batch's next offset: every batch here holds 16 records.
      auto batches = split_record_batches(records->bytes);
      if (!batches.ok() || batches->empty()) std::abort();
      offset = batches->back().next_offset();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("vs BM_SegmentRead1MiB");
}
BENCHMARK(BM_BrokerFetch1MiB)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
