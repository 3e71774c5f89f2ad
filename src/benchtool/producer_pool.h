// ProducerPool: the producing half of every Kafka workload. N librdkafka
// producers, one thread each, send record_size-byte values (null keys, so the
// partitioner spreads them) until a count or a deadline, optionally paced to
// a fixed total rate, and optionally stamped with the send time (steady-clock
// nanoseconds in the value's first 8 bytes) for end-to-end latency.
#pragma once

#include <cstdint>
#include <string>

#include "benchtool/bench_params.h"

namespace runnel::benchtool {

struct ProduceOutcome {
  std::int64_t attempted = 0;  // records handed to librdkafka
  std::int64_t delivered = 0;  // acknowledged per the acks setting
  std::int64_t bytes = 0;      // value bytes delivered
  std::int64_t errors = 0;     // delivery reports with an error
  std::int64_t start_ns = 0;   // steady clock, first send
  std::int64_t end_ns = 0;     // steady clock, last delivery report
  std::string first_error;     // first delivery or set-up error, if any

  double seconds() const { return end_ns > start_ns ? static_cast<double>(end_ns - start_ns) / 1e9 : 0; }
};

// Runs to completion: every record handed over has its delivery report by
// return (or flush gave up after 60s, counted as errors).
ProduceOutcome produce_records(const std::string& bootstrap, const std::string& topic,
                               const WorkloadParams& p, bool stamp_send_time);

// Steady-clock nanoseconds, the time base of stamps and latencies.
std::int64_t steady_ns();

}  // namespace runnel::benchtool
