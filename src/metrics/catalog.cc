#include "metrics/catalog.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace runnel::metrics {

namespace {

const std::vector<std::string> kShard{"shard"};
const std::vector<std::string> kPartition{"namespace", "topic", "partition"};

std::vector<std::string> partition_labels(std::string_view topic, int32_t partition) {
  return {std::string(kKafkaNamespace), std::string(topic), std::to_string(partition)};
}

// When the process started, for uptime: the first use of this file's
// statics happens during start-up (the broker registers its families then).
const auto kStarted = std::chrono::steady_clock::now();

}  // namespace

const std::vector<double>& latency_bounds() {
  static const std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return bounds;
}

const Families& families() {
  static const Families f = [] {
    Registry& r = default_registry();
    return Families{
        r.histogram("vectorized_kafka_request_latency_seconds",
                    "Latency of Kafka requests by API (produce and consume as Redpanda names them), from the "
                    "request's arrival to its response being ready",
                    {"request", "shard"}, latency_bounds()),
        r.counter("vectorized_kafka_request_errors_total",
                  "Partition-level errors in produce and fetch responses, by Kafka error name",
                  {"request", "error", "shard"}),
        r.counter("vectorized_kafka_handler_requests_errored_total",
                  "Requests that could not be served (malformed or unsupported) and closed the connection",
                  {"handler", "shard"}),
        r.gauge("vectorized_kafka_rpc_active_connections", "Open Kafka client connections", kShard),
        r.counter("vectorized_kafka_rpc_connects_total", "Accepted Kafka client connections", kShard),
        r.counter("vectorized_kafka_rpc_received_bytes_total", "Bytes of Kafka requests received", kShard),
        r.counter("vectorized_kafka_rpc_sent_bytes_total", "Bytes of Kafka responses sent", kShard),
        r.counter("vectorized_cluster_partition_records_produced_total", "Records produced to the partition",
                  kPartition),
        r.counter("vectorized_cluster_partition_bytes_produced_total",
                  "Record batch bytes produced to the partition", kPartition),
        r.counter("vectorized_cluster_partition_records_fetched_total",
                  "Records (offsets) served to fetches from the partition", kPartition),
        r.counter("vectorized_cluster_partition_bytes_fetched_total",
                  "Record batch bytes served to fetches from the partition", kPartition),
        r.gauge("vectorized_cluster_partition_high_watermark", "The partition's high watermark", kPartition),
        r.gauge("vectorized_cluster_partition_under_replicated_replicas",
                "Replicas of the partition behind the leader (none on a single node)", kPartition),
        r.counter("vectorized_storage_log_log_segments_created_total",
                  "Log segments created since the node started", kPartition),
        r.counter("vectorized_storage_log_written_bytes_total", "Bytes written to the partition's log",
                  kPartition),
        r.counter("vectorized_storage_log_batches_written_total",
                  "Record batches written to the partition's log", kPartition),
        r.counter("vectorized_storage_log_flushed_bytes_total",
                  "Bytes of the partition's log made durable by fdatasync", kPartition),
        r.gauge("vectorized_storage_log_partition_size", "Current size of the partition's log in bytes",
                kPartition),
        r.histogram("vectorized_storage_log_fsync_latency_seconds",
                    "Latency of each fdatasync of a segment file by the flushers", {}, latency_bounds()),
        r.gauge("vectorized_storage_write_behind_bytes",
                "Memory holding log bytes not yet written to disk, or kept for readers at the tail", {}),
    };
  }();
  return f;
}

const std::vector<View>& internal_aliases() {
  static const std::vector<View> views{
      // The name issue 6 and older dashboards use for Redpanda's
      // vectorized_storage_log_log_segments_created_total.
      View{"vectorized_storage_log_log_segments_created_total",
           "vectorized_storage_log_segments_created_total",
           "Log segments created since the node started (alias of "
           "vectorized_storage_log_log_segments_created_total)",
           {{"namespace", "namespace"}, {"topic", "topic"}, {"partition", "partition"}},
           {},
           {}},
  };
  return views;
}

const std::vector<View>& public_views() {
  using P = std::pair<std::string, std::string>;
  const P ns{"namespace", "redpanda_namespace"};
  const P topic{"topic", "redpanda_topic"};
  const P partition{"partition", "redpanda_partition"};
  static const std::vector<View> views{
      View{"vectorized_kafka_request_latency_seconds",
           "redpanda_kafka_request_latency_seconds",
           "Latency of produce and consume requests",
           {{"request", "redpanda_request"}},
           {{"request", {"produce", "consume"}}},
           {}},
      View{"vectorized_kafka_request_latency_seconds",
           "redpanda_rpc_request_latency_seconds",
           "Latency of Kafka API requests",
           {},
           {},
           {{"redpanda_server", "kafka"}}},
      View{"vectorized_kafka_request_errors_total",
           "redpanda_kafka_request_errors_total",
           "Partition-level errors in produce and fetch responses, by Kafka error name",
           {{"request", "redpanda_request"}, {"error", "redpanda_error"}},
           {},
           {}},
      View{"vectorized_kafka_handler_requests_errored_total",
           "redpanda_rpc_request_errors_total",
           "Kafka requests that could not be served",
           {},
           {},
           {{"redpanda_server", "kafka"}}},
      View{"vectorized_kafka_rpc_active_connections",
           "redpanda_rpc_active_connections",
           "Open Kafka client connections",
           {},
           {},
           {{"redpanda_server", "kafka"}}},
      View{"vectorized_cluster_partition_records_produced_total",
           "redpanda_kafka_records_produced_total",
           "Records produced, per topic",
           {ns, topic},
           {},
           {}},
      View{"vectorized_cluster_partition_records_fetched_total",
           "redpanda_kafka_records_fetched_total",
           "Records fetched, per topic",
           {ns, topic},
           {},
           {}},
      View{"vectorized_cluster_partition_bytes_produced_total",
           "redpanda_kafka_request_bytes_total",
           "Bytes produced or consumed, per topic",
           {ns, topic},
           {},
           {{"redpanda_request", "produce"}}},
      View{"vectorized_cluster_partition_bytes_fetched_total",
           "redpanda_kafka_request_bytes_total",
           "Bytes produced or consumed, per topic",
           {ns, topic},
           {},
           {{"redpanda_request", "consume"}}},
      View{"vectorized_cluster_partition_high_watermark",
           "redpanda_kafka_max_offset",
           "The high watermark of a partition",
           {ns, topic, partition},
           {},
           {}},
      View{"vectorized_cluster_partition_under_replicated_replicas",
           "redpanda_kafka_under_replicated_replicas",
           "Replicas of a partition behind its leader",
           {ns, topic, partition},
           {},
           {}},
  };
  return views;
}

PartitionCells::PartitionCells(std::string_view topic, int32_t partition) {
  const Families& f = families();
  auto labels = partition_labels(topic, partition);
  records_produced = f.partition_records_produced.get(labels);
  bytes_produced = f.partition_bytes_produced.get(labels);
  records_fetched = f.partition_records_fetched.get(labels);
  bytes_fetched = f.partition_bytes_fetched.get(labels);
  high_watermark = f.partition_high_watermark.get(labels);
  under_replicated = f.partition_under_replicated.get(labels);
}

LogCells::LogCells(std::string_view topic, int32_t partition) {
  const Families& f = families();
  auto labels = partition_labels(topic, partition);
  segments_created = f.log_segments_created.get(labels);
  written_bytes = f.log_written_bytes.get(labels);
  batches_written = f.log_batches_written.get(labels);
  flushed_bytes = f.log_flushed_bytes.get(labels);
  partition_size = f.log_partition_size.get(labels);
}

namespace {

// utime + stime of this process in seconds, from /proc/self/stat.
double cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: count
  // fields from the last ')'.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // After ')' come state (3) ... utime is field 14, stime 15.
  for (int i = 3; i < 14; ++i) fields >> skip;
  fields >> utime >> stime;
  long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<double>(utime + stime) / static_cast<double>(ticks) : 0;
}

// Resident set size in bytes, from /proc/self/statm.
double resident_bytes() {
  std::ifstream in("/proc/self/statm");
  unsigned long long size = 0;
  unsigned long long resident = 0;
  in >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

Snapshot single(std::string name, std::string help, Kind kind, double value) {
  Snapshot s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.kind = kind;
  Sample sample;
  sample.value = value;
  s.samples.push_back(std::move(sample));
  return s;
}

}  // namespace

void collect_process(std::vector<Snapshot>& out, bool public_names) {
  const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - kStarted).count();
  const double cpu = cpu_seconds();
  const double rss = resident_bytes();
  if (public_names) {
    out.push_back(single("redpanda_application_uptime_seconds_total", "Uptime of the broker in seconds",
                         Kind::kCounter, uptime));
    out.push_back(single("redpanda_cpu_busy_seconds_total", "CPU time the broker process used, in seconds",
                         Kind::kCounter, cpu));
    out.push_back(single("redpanda_memory_allocated_memory",
                         "Resident memory of the broker process, in bytes", Kind::kGauge, rss));
  } else {
    out.push_back(single("vectorized_application_uptime", "Uptime of the broker in milliseconds",
                         Kind::kGauge, uptime * 1000.0));
    out.push_back(single("vectorized_process_cpu_seconds_total",
                         "CPU time the broker process used, in seconds", Kind::kCounter, cpu));
    out.push_back(single("vectorized_process_resident_memory_bytes",
                         "Resident memory of the broker process, in bytes", Kind::kGauge, rss));
  }
}

}  // namespace runnel::metrics
