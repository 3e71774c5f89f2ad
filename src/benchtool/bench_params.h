// The knobs of one benchmark run and the parsers for how people write them
// ("1KiB", "10s", "all"). Parsing is pure: a bad value comes back as an error
// message naming the flag, never as an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace runnel::benchtool {

struct WorkloadParams {
  std::string topic;               // empty: a fresh "runnel-bench-<n>" per run
  std::size_t record_size = 1024;  // value bytes per record
  int partitions = 6;
  int producers = 1;
  int consumers = 1;
  std::string acks = "all";          // "0", "1" or "all"
  std::string compression = "none";  // none|gzip|snappy|lz4|zstd
  double rate = 0;                   // records/s over all producers; 0 = as fast as possible
  double duration_s = 10;            // used when count == 0
  std::int64_t count = 0;            // records; 0 = run for duration_s
  int linger_ms = 5;
  std::int64_t batch_size = 1 << 20;  // librdkafka batch.size, bytes
  int connections = 2000;             // idle-connection workload
  int fetch_wait_ms = 500;            // consumer fetch.wait.max.ms (librdkafka's default)
};

// Sizes: a plain byte count or a number with B, KB/KiB/K, MB/MiB/M, GB/GiB/G
// (all binary, as in librdkafka's own sizes). Fractions are allowed ("1.5MiB").
std::optional<std::int64_t> parse_size(const std::string& text);
// Durations: "10s", "500ms", "2m", "1.5s"; a bare number is seconds.
std::optional<double> parse_duration(const std::string& text);
// acks: "all" or "-1" -> "all", "0", "1".
std::optional<std::string> parse_acks(const std::string& text);
bool valid_compression(const std::string& text);

// The first reason `p` cannot run `workload`, or "" if it can.
std::string validate(const WorkloadParams& p, const std::string& workload);

// Human forms for tables: 1024 -> "1KiB", 100 -> "100B".
std::string format_size(std::int64_t bytes);

}  // namespace runnel::benchtool
