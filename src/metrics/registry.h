// Registry: Prometheus-style counters, gauges and histograms with labels, and
// the text exposition format (version 0.0.4) they are scraped in.
//
// Design. The hot path holds a cell (a shared_ptr it got once, when the
// partition, connection or shard was set up) and bumps it with a relaxed
// atomic add; it never looks a series up by name or label. Every series is
// written by one thread in practice (per-shard series carry a `shard` label,
// per-partition series are written by the partition's owner shard, the
// flushers' fsync histogram by the flusher threads), so a cell's cache line
// is never contended: an uncontended relaxed add costs a few nanoseconds and
// takes no lock. The scrape (on the admin listener's shard) reads the cells
// with relaxed loads. That beats gathering with invoke_on_all: a scrape never
// waits for a busy shard, the shards never run scrape code, and this layer
// needs no knowledge of the shards. A value read mid-update is at most one
// update old, which Prometheus tolerates by design. The registry's mutex is
// taken only to create a series and to scrape, never by an update.
//
// A series lives as long as someone holds its cell: when the last holder
// lets go (a partition is removed), it leaves the next scrape.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::metrics {

enum class Kind { kCounter, kGauge, kHistogram };

class CounterCell {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class GaugeCell {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is
// implicit), with their sum and count.
class HistogramCell {
 public:
  explicit HistogramCell(const std::vector<double>* bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return *bounds_; }
  // Per-bucket (not cumulative) counts; the last is the +Inf bucket.
  uint64_t bucket(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// One series as a scrape sees it.
struct Sample {
  std::vector<std::string> label_values;  // in the family's label order
  double value = 0;                       // counters and gauges
  std::vector<uint64_t> buckets;          // histograms: cumulative, +Inf last
  double sum = 0;
  uint64_t count = 0;
};

// One family as a scrape sees it; what the exposition writer prints.
struct Snapshot {
  std::string name;
  std::string help;
  Kind kind = Kind::kGauge;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // histograms
  std::vector<Sample> samples;
};

class Registry;

// A metric name and its label names; series are created by label values.
// Family objects live as long as their registry.
template <typename Cell>
class Family {
 public:
  // The series with these label values (as many as the family has label
  // names), created on first use. Takes the registry's mutex: call it when
  // setting up, not per request.
  std::shared_ptr<Cell> get(std::vector<std::string> label_values);

 private:
  friend class Registry;
  Family(Registry& registry, Snapshot meta) : registry_(registry), meta_(std::move(meta)) {}
  void collect(Snapshot& out);

  Registry& registry_;
  Snapshot meta_;  // name, help, kind, labels, bounds; no samples
  std::map<std::vector<std::string>, std::weak_ptr<Cell>> series_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registering a name twice returns the first family; the kind and labels
  // must match (a programming error otherwise: std::logic_error). Names and
  // label names must be valid Prometheus names.
  Family<CounterCell>& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<GaugeCell>& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<HistogramCell>& histogram(std::string name, std::string help, std::vector<std::string> labels,
                                   std::vector<double> bounds);

  // Computed at scrape time on the scraping thread (shard 0): appends whole
  // families, to /metrics or, with public_page, to /public_metrics. The
  // seam for metrics kept elsewhere (e.g. consumer-group lag,
  // redpanda_kafka_consumer_group_*): either gauge families written by the
  // owner shard plus a View, or a collector reading what shard 0 may read.
  using Collector = std::function<void(std::vector<Snapshot>&)>;
  // Returns an id for remove_collector.
  int add_collector(Collector collector, bool public_page = false);
  void remove_collector(int id);

  // Every registered family, sorted by name, then the /metrics collectors'.
  std::vector<Snapshot> collect();
  // What the /public_metrics collectors produce.
  std::vector<Snapshot> collect_public();

 private:
  template <typename Cell>
  friend class Family;
  template <typename Cell>
  Family<Cell>& add(std::map<std::string, std::unique_ptr<Family<Cell>>, std::less<>>& into, Snapshot meta);
  void check_unique(const std::string& name, Kind kind) const;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family<CounterCell>>, std::less<>> counters_;
  std::map<std::string, std::unique_ptr<Family<GaugeCell>>, std::less<>> gauges_;
  std::map<std::string, std::unique_ptr<Family<HistogramCell>>, std::less<>> histograms_;
  std::map<int, std::pair<Collector, bool>> collectors_;  // id -> (collector, public page)
  int next_collector_ = 0;
};

// The process-wide registry the broker's probes register in.
Registry& default_registry();

// Whether `name` is a valid metric (or, with label = true, label) name.
bool valid_name(std::string_view name, bool label = false);

// The families in Prometheus text exposition format 0.0.4.
std::string write_text(const std::vector<Snapshot>& families);

// A renamed, re-labelled, summed copy of a family: what /public_metrics is
// made of. Samples are grouped by the `keep` labels (source name -> new
// name; every other label is summed away) and, when `only` names a label,
// restricted to samples whose value for it is listed.
struct View {
  std::string source;
  std::string name;
  std::string help;
  std::vector<std::pair<std::string, std::string>> keep;
  std::map<std::string, std::vector<std::string>> only;
  // Constant labels added to every sample (e.g. redpanda_server="kafka").
  std::vector<std::pair<std::string, std::string>> add;
};
// Applies each view to the family it names (views of missing families are skipped).
std::vector<Snapshot> apply_views(const std::vector<Snapshot>& families, const std::vector<View>& views);

}  // namespace runnel::metrics
