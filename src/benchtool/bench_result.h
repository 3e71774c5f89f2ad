// What one measured run produced: counts, time, optional latency summary and
// named extra figures (RSS, per-connection bytes). A run that failed keeps
// its name and carries the reason in `error`; reports show it, ratios skip it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "benchtool/latency_histogram.h"

namespace runnel::benchtool {

struct LatencySummary {
  std::uint64_t count = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;

  static LatencySummary of(const LatencyHistogram& h);
};

struct BenchResult {
  std::string id;            // stable key for scripts and ratios, e.g. "runnel.produce.1k.acks-all"
  std::string workload;      // produce|e2e|catchup|connections|loopback|odirect|redis-xadd|redis-xreadgroup
  std::string target;        // runnel|mock|redis-everysec|redis-always|loopback|disk|brokers
  std::string params;        // short human description of the parameters
  std::int64_t records = 0;  // records (or chunks) that completed
  std::int64_t bytes = 0;    // payload bytes that completed
  std::int64_t sent = 0;     // e2e: records produced (records = received)
  std::int64_t errors = 0;   // delivery/consume errors seen
  double seconds = 0;        // measured interval
  std::optional<LatencySummary> latency;
  std::vector<std::pair<std::string, double>> extra;  // e.g. {"rss_mib", 42.0}
  std::string error;  // non-empty: the run failed and its figures mean nothing

  bool ok() const { return error.empty(); }
  double records_per_s() const { return seconds > 0 ? static_cast<double>(records) / seconds : 0; }
  double bytes_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / seconds : 0; }
  std::optional<double> extra_value(const std::string& key) const;
};

// One Runnel figure over one baseline figure, with the goal when it
// has one (goal 0: report only).
struct Ratio {
  std::string label;
  std::string numerator;        // result id
  std::string denominator;      // result id
  std::string metric;           // "bytes_per_s" | "records_per_s"
  double goal = 0;              // at least this ratio
  std::optional<double> value;  // empty when either side is missing or failed
};

// An absolute goal on one figure ("p99 <= 5 ms", "RSS <= 50 MiB").
struct Check {
  std::string label;
  std::string result;  // result id
  std::string metric;  // "p99_ms" | "p999_ms" | "rss_mib" | "kib_per_connection" | ...
  double limit = 0;    // at most this
  std::optional<double> value;
};

// The median of repeated runs of one measurement, by its main figure: p99
// latency when it has latency, else bytes/s when it moved bytes, else
// records/s. The chosen run gains extras "runs" and "<figure>_min"/"_max"
// across the runs. If any run failed, the first failure is returned instead:
// a flaky workload must not hide behind its good runs.
BenchResult median_of(std::vector<BenchResult> runs);

// Figures of a result by metric name (bytes_per_s, records_per_s, p50_ms,
// p99_ms, p999_ms, max_ms, or any extra key).
std::optional<double> metric_of(const BenchResult& r, const std::string& metric);

}  // namespace runnel::benchtool
