// The broker's metric families, in one place so every name can be checked
// against Redpanda's: /metrics carries the internal `vectorized_*` families,
// /public_metrics the `redpanda_*` views of them (summed over shards and
// partitions) plus the families collectors add at scrape time.
//
// Per-partition and per-shard bundles of cells are created once by their
// owner (a partition, a log, a shard's dispatcher) so the hot path only bumps
// a cell it already holds.
//
// Not here yet: consumer-group metrics (Redpanda's public
// redpanda_kafka_consumer_group_committed_offset{group,topic,partition},
// _lag_max{group}, _lag_sum{group}, _consumers{group}, _topics{group}). They
// belong to the group coordinator: register gauge families in Families (the
// coordinator's shard writes them on commit, join and leave; lag needs the
// partition's high watermark, a cross-shard read best done at commit time or
// on a timer) and add a View per family to public_views(); or, for values
// only known by asking the shards, a public collector
// (Registry::add_collector(..., true)) fed by a snapshot the coordinator keeps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.h"

namespace runnel::metrics {

// Request and fsync latency buckets, in seconds: 100us .. 10s, with 250ms
// among them so "p99 above 250 ms" alerts can be exact.
const std::vector<double>& latency_bounds();

struct Families {
  // Kafka API (per shard).
  Family<HistogramCell>& kafka_request_latency;  // vectorized_kafka_request_latency_seconds{request,shard}
  Family<CounterCell>& kafka_request_errors;     // vectorized_kafka_request_errors_total{request,error,shard}
  Family<CounterCell>&
      kafka_requests_failed;  // vectorized_kafka_handler_requests_errored_total{handler,shard}
  Family<GaugeCell>& kafka_active_connections;  // vectorized_kafka_rpc_active_connections{shard}
  Family<CounterCell>& kafka_connects;          // vectorized_kafka_rpc_connects_total{shard}
  Family<CounterCell>& kafka_received_bytes;    // vectorized_kafka_rpc_received_bytes_total{shard}
  Family<CounterCell>& kafka_sent_bytes;        // vectorized_kafka_rpc_sent_bytes_total{shard}
  // Kafka partitions.
  Family<CounterCell>& partition_records_produced;
  Family<CounterCell>& partition_bytes_produced;
  Family<CounterCell>& partition_records_fetched;
  Family<CounterCell>& partition_bytes_fetched;
  Family<GaugeCell>& partition_high_watermark;
  Family<GaugeCell>& partition_under_replicated;
  // Storage (per partition, but the fsync histogram).
  Family<CounterCell>& log_segments_created;
  Family<CounterCell>& log_written_bytes;
  Family<CounterCell>& log_batches_written;
  Family<CounterCell>& log_flushed_bytes;
  Family<GaugeCell>& log_partition_size;
  Family<HistogramCell>& fsync_latency;
  // Memory of the write-behind chunks in use (process-wide).
  Family<GaugeCell>& write_behind_bytes;  // vectorized_storage_write_behind_bytes
};

// Registered in default_registry() on first use.
const Families& families();

// Aliases on /metrics (same series under a second name) and the views that
// make /public_metrics.
const std::vector<View>& internal_aliases();
const std::vector<View>& public_views();

// Redpanda's namespace label value for Kafka topics.
inline constexpr std::string_view kKafkaNamespace = "kafka";

// One Kafka partition's cells; the owner shard writes them.
struct PartitionCells {
  PartitionCells(std::string_view topic, int32_t partition);
  std::shared_ptr<CounterCell> records_produced;
  std::shared_ptr<CounterCell> bytes_produced;
  std::shared_ptr<CounterCell> records_fetched;
  std::shared_ptr<CounterCell> bytes_fetched;
  std::shared_ptr<GaugeCell> high_watermark;
  std::shared_ptr<GaugeCell> under_replicated;
};

// One partition log's cells; the owner shard writes them.
struct LogCells {
  LogCells(std::string_view topic, int32_t partition);
  std::shared_ptr<CounterCell> segments_created;
  std::shared_ptr<CounterCell> written_bytes;
  std::shared_ptr<CounterCell> batches_written;
  std::shared_ptr<CounterCell> flushed_bytes;
  std::shared_ptr<GaugeCell> partition_size;
};

// Process CPU, resident memory, uptime and build, internal and public names;
// a collector for the registry.
void collect_process(std::vector<Snapshot>& out, bool public_names);

}  // namespace runnel::metrics
