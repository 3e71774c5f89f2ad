// Baselines measured in the same run as Runnel, each started and stopped by
// the harness: the physical limits (loopback TCP, O_DIRECT writes with an
// fdatasync per MiB) and a competing server (Redis Streams). The in-memory
// Kafka mock is a KafkaTarget instead (baseline_mock.h): the Kafka workloads
// run against it unchanged.
#pragma once

#include <string>
#include <vector>

#include "benchtool/bench_params.h"
#include "benchtool/bench_result.h"

namespace runnel::benchtool {

// One sender thread writes 1 MiB chunks to one receiver thread over a
// loopback TCP connection for duration_s.
BenchResult run_loopback(double duration_s, const std::string& id);

// Sequential 1 MiB O_DIRECT writes into a pre-allocated file in `dir`, an
// fdatasync after each, up to total_bytes or max_seconds.
BenchResult run_odirect(const std::string& dir, std::int64_t total_bytes, double max_seconds,
                        const std::string& id);

struct RedisOptions {
  std::string server = "redis-server";   // binary, searched on PATH
  std::string appendfsync = "everysec";  // everysec|always|no; "no" turns AOF off
  std::string dir;                       // scratch dir for its data and log
  std::string address;                   // host:port of a running server instead (then server/dir unused)
  int pipeline = 1000;                   // commands in flight per round trip
  double max_seconds = 0;                // with a count: stop XADDing after this long anyway (0: never)
};

// Starts redis-server (AOF per options), XADDs p.count records (or for
// p.duration_s; with a count, at most options.max_seconds) of p.record_size
// bytes pipelined, then drains the stream with
// XREADGROUP + XACK. Two results: "<id>.xadd" and "<id>.xreadgroup".
std::vector<BenchResult> run_redis(const WorkloadParams& p, const RedisOptions& options,
                                   const std::string& id);

}  // namespace runnel::benchtool
