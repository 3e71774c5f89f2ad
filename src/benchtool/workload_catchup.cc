// Catch-up read of a pre-filled topic; see workloads.h.
#include "benchtool/consumer_pool.h"
#include "benchtool/producer_pool.h"
#include "benchtool/workloads.h"

namespace runnel::benchtool {

BenchResult run_catchup(const KafkaTarget& target, const WorkloadParams& p, const std::string& id) {
  BenchResult r;
  r.id = id;
  r.workload = "catchup";
  r.target = target.name;
  r.params = describe(p, true);
  const std::string topic = p.topic.empty() ? fresh_topic_name("catchup") : p.topic;
  RetireWhenDone retire(target, topic, p.topic.empty());
  r.error = target.create_topic(topic, p.partitions);
  if (!r.ok()) return r;

  // The fill is not timed; it runs unpaced whatever --rate says.
  WorkloadParams fill = p;
  fill.rate = 0;
  ProduceOutcome produced = produce_records(target.bootstrap, topic, fill, false);
  if (produced.delivered == 0) {
    r.error = produced.first_error.empty() ? "pre-fill delivered nothing" : produced.first_error;
    return r;
  }

  // What is there to read: the mock cluster keeps only the newest part of
  // each partition, so this may be less than was delivered.
  std::string error;
  const std::int64_t available = records_available(target.bootstrap, topic, p.partitions, error);
  if (available < 0) {
    r.error = error;
    return r;
  }

  ConsumerPool::Options options;
  options.bootstrap = target.bootstrap;
  options.topic = topic;
  options.partitions = p.partitions;
  options.consumers = p.consumers;
  options.fetch_wait_ms = p.fetch_wait_ms;
  ConsumerPool consumers(options);
  r.error = consumers.start();
  if (!r.ok()) return r;
  ConsumeOutcome consumed = consumers.finish(available, 300);

  r.sent = produced.delivered;
  r.records = consumed.records;
  r.bytes = consumed.bytes;
  r.errors = consumed.errors;
  // From the first record to the last: connecting, the group coordinator
  // and offset lookups are set-up, not reading (they dominate small reads).
  r.seconds = consumed.last_ns > consumed.first_ns
                  ? static_cast<double>(consumed.last_ns - consumed.first_ns) / 1e9
                  : 0;
  r.extra.emplace_back("fill_mb_per_s", produced.seconds() > 0
                                            ? static_cast<double>(produced.bytes) / produced.seconds() / 1e6
                                            : 0);
  if (consumed.records == 0) {
    r.error = consumed.first_error.empty() ? "read nothing back" : consumed.first_error;
  } else if (consumed.records < available) {
    r.error = "read " + std::to_string(consumed.records) + " of " + std::to_string(available) + " records";
  }
  if (available < produced.delivered) r.extra.emplace_back("retained", static_cast<double>(available));
  return r;
}

}  // namespace runnel::benchtool
