// See bench_result.h.
#include "benchtool/bench_result.h"

#include <algorithm>

namespace runnel::benchtool {

LatencySummary LatencySummary::of(const LatencyHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.p50_ms = static_cast<double>(h.percentile(0.50)) / 1e6;
  s.p99_ms = static_cast<double>(h.percentile(0.99)) / 1e6;
  s.p999_ms = static_cast<double>(h.percentile(0.999)) / 1e6;
  s.max_ms = static_cast<double>(h.max()) / 1e6;
  s.mean_ms = h.mean() / 1e6;
  return s;
}

std::optional<double> BenchResult::extra_value(const std::string& key) const {
  for (const auto& [k, v] : extra)
    if (k == key) return v;
  return std::nullopt;
}

BenchResult median_of(std::vector<BenchResult> runs) {
  if (runs.empty()) return BenchResult{};
  for (auto& r : runs)
    if (!r.ok()) return r;
  if (runs.size() == 1) return runs.front();
  const BenchResult& first = runs.front();
  const std::string metric = first.latency ? "p99_ms" : first.bytes > 0 ? "bytes_per_s" : "records_per_s";
  auto figure = [&metric](const BenchResult& r) { return metric_of(r, metric).value_or(0); };
  std::sort(runs.begin(), runs.end(),
            [&figure](const BenchResult& a, const BenchResult& b) { return figure(a) < figure(b); });
  const double lo = figure(runs.front());
  const double hi = figure(runs.back());
  BenchResult median = runs[(runs.size() - 1) / 2];
  median.extra.emplace_back("runs", static_cast<double>(runs.size()));
  median.extra.emplace_back(metric + "_min", lo);
  median.extra.emplace_back(metric + "_max", hi);
  return median;
}

std::optional<double> metric_of(const BenchResult& r, const std::string& metric) {
  if (!r.ok()) return std::nullopt;
  if (metric == "bytes_per_s") return r.bytes_per_s();
  if (metric == "records_per_s") return r.records_per_s();
  if (r.latency) {
    if (metric == "p50_ms") return r.latency->p50_ms;
    if (metric == "p99_ms") return r.latency->p99_ms;
    if (metric == "p999_ms") return r.latency->p999_ms;
    if (metric == "max_ms") return r.latency->max_ms;
  }
  return r.extra_value(metric);
}

}  // namespace runnel::benchtool
