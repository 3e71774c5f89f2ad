// Produce + consume at a fixed rate with end-to-end latency; see workloads.h.
#include <algorithm>

#include "benchtool/consumer_pool.h"
#include "benchtool/producer_pool.h"
#include "benchtool/workloads.h"

namespace runnel::benchtool {

BenchResult run_e2e(const KafkaTarget& target, const WorkloadParams& p, const std::string& id) {
  BenchResult r;
  r.id = id;
  r.workload = "e2e";
  r.target = target.name;
  r.params = describe(p, true);
  const std::string topic = p.topic.empty() ? fresh_topic_name("e2e") : p.topic;
  RetireWhenDone retire(target, topic, p.topic.empty());
  r.error = target.create_topic(topic, p.partitions);
  if (!r.ok()) return r;

  ConsumerPool::Options options;
  options.bootstrap = target.bootstrap;
  options.topic = topic;
  options.partitions = p.partitions;
  options.consumers = p.consumers;
  options.measure_latency = true;
  options.fetch_wait_ms = p.fetch_wait_ms;
  // Records sent in the first tenth of the run (at most 1s) warm connections
  // and caches; they are counted but their latency is not recorded.
  options.latency_from_ns = INT64_MAX;
  ConsumerPool consumers(options);
  r.error = consumers.start();
  if (!r.ok()) return r;

  const double warmup_s =
      std::min(1.0, (p.count > 0 ? static_cast<double>(p.count) / p.rate : p.duration_s) / 10);
  consumers.set_latency_from(steady_ns() + static_cast<std::int64_t>(warmup_s * 1e9));
  ProduceOutcome produced = produce_records(target.bootstrap, topic, p, true);
  ConsumeOutcome consumed = consumers.finish(produced.delivered, 30);

  r.sent = produced.delivered;
  r.records = consumed.records;
  r.bytes = consumed.bytes;
  r.errors = produced.attempted - produced.delivered + consumed.errors;
  r.seconds = consumed.last_ns > produced.start_ns
                  ? static_cast<double>(consumed.last_ns - produced.start_ns) / 1e9
                  : 0;
  r.latency = LatencySummary::of(consumed.latency);
  r.extra.emplace_back("target_rate", p.rate);
  if (produced.delivered == 0) {
    r.error = produced.first_error.empty() ? "nothing was delivered" : produced.first_error;
  } else if (consumed.records < produced.delivered) {
    r.error = "consumed " + std::to_string(consumed.records) + " of " + std::to_string(produced.delivered) +
              " records within 30s of the last send" +
              (consumed.first_error.empty() ? "" : " (" + consumed.first_error + ")");
  }
  return r;
}

}  // namespace runnel::benchtool
