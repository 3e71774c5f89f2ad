// Produce-only throughput; see workloads.h.
#include "benchtool/producer_pool.h"
#include "benchtool/workloads.h"

namespace runnel::benchtool {

std::string describe(const WorkloadParams& p, bool with_consumers) {
  std::string s = format_size(static_cast<std::int64_t>(p.record_size)) + " x" +
                  std::to_string(p.partitions) + "p acks=" + p.acks;
  if (p.compression != "none") s += " " + p.compression;
  s += " P" + std::to_string(p.producers);
  if (with_consumers) s += " C" + std::to_string(p.consumers);
  s += " linger=" + std::to_string(p.linger_ms) + "ms";
  if (p.rate > 0) s += " rate=" + std::to_string(static_cast<long long>(p.rate)) + "/s";
  if (with_consumers && p.fetch_wait_ms != 500) s += " fetch-wait=" + std::to_string(p.fetch_wait_ms) + "ms";
  return s;
}

BenchResult run_produce(const KafkaTarget& target, const WorkloadParams& p, const std::string& id) {
  BenchResult r;
  r.id = id;
  r.workload = "produce";
  r.target = target.name;
  r.params = describe(p, false);
  const std::string topic = p.topic.empty() ? fresh_topic_name("produce") : p.topic;
  RetireWhenDone retire(target, topic, p.topic.empty());
  r.error = target.create_topic(topic, p.partitions);
  if (!r.ok()) return r;
  ProduceOutcome o = produce_records(target.bootstrap, topic, p, false);
  r.records = o.delivered;
  r.sent = o.attempted;
  r.bytes = o.bytes;
  r.errors = o.attempted - o.delivered;
  r.seconds = o.seconds();
  if (o.delivered == 0) r.error = o.first_error.empty() ? "nothing was delivered" : o.first_error;
  return r;
}

}  // namespace runnel::benchtool
