// The Kafka workloads, in the spirit of the OpenMessaging Benchmark. Each
// creates its own fresh topic on the target (unless params.topic names one),
// runs, and returns one BenchResult; failures come back in result.error.
#pragma once

#include <string>

#include "benchtool/bench_params.h"
#include "benchtool/bench_result.h"
#include "benchtool/kafka_target.h"

namespace runnel::benchtool {

// Produce-only, as fast as the producers can (or at --rate).
BenchResult run_produce(const KafkaTarget& target, const WorkloadParams& p, const std::string& id);
// Produce and consume at a fixed rate; end-to-end latency from the send stamp
// in the value to the consumer's receipt.
BenchResult run_e2e(const KafkaTarget& target, const WorkloadParams& p, const std::string& id);
// Pre-fill a topic (untimed), then read it from the beginning to the end.
BenchResult run_catchup(const KafkaTarget& target, const WorkloadParams& p, const std::string& id);
// Open p.connections idle Kafka connections (each answers one ApiVersions)
// and weigh the broker's RSS before and after.
BenchResult run_connections(const KafkaTarget& target, const WorkloadParams& p, const std::string& id);
// The broker's resident memory now, as a result ("rss_mib").
BenchResult measure_rss(const KafkaTarget& target, const std::string& id, const std::string& what);

// "1KiB x6p acks=all lz4 P1 C1 linger=5ms": the params column.
std::string describe(const WorkloadParams& p, bool with_consumers);

}  // namespace runnel::benchtool
