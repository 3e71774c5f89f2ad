// See bench_options.h.
#include "benchtool/bench_options.h"

namespace runnel::benchtool {

namespace {
bool is_kafka_workload(const std::string& w) {
  return w == "produce" || w == "e2e" || w == "catchup" || w == "connections" || w == "rss";
}
}  // namespace

std::string validate(const BenchOptions& o) {
  if (!o.suite.empty()) {
    if (o.suite != "standard") return "--suite: the only suite is 'standard'";
    if (o.brokers.empty() == o.start_runnel.empty())
      return "--suite needs exactly one of --brokers or --start-runnel";
    if (!(o.scale > 0 && o.scale <= 100)) return "--scale must be in (0, 100]";
    if (o.repeat < 1 || o.repeat > 99) return "--repeat must be 1..99";
    return "";
  }
  static const char* kWorkloads[] = {"produce", "e2e",      "catchup", "connections",
                                     "rss",     "loopback", "odirect", "redis"};
  bool known = false;
  for (const char* w : kWorkloads) known = known || o.workload == w;
  if (!known)
    return "unknown workload '" + o.workload +
           "' (produce, e2e, catchup, connections, rss, loopback, odirect, redis)";
  if (is_kafka_workload(o.workload)) {
    int targets = (o.brokers.empty() ? 0 : 1) + (o.start_runnel.empty() ? 0 : 1) + (o.mock ? 1 : 0);
    if (targets != 1) return o.workload + " needs exactly one target: --brokers, --start-runnel or --mock";
    if ((o.workload == "connections" || o.workload == "rss") && o.mock)
      return o.workload + " weighs a broker process; the mock cluster has none of its own";
  }
  if (o.workload == "redis") {
    if (o.redis.appendfsync != "everysec" && o.redis.appendfsync != "always" && o.redis.appendfsync != "no")
      return "--appendfsync must be everysec, always or no";
    if (o.redis.pipeline < 1 || o.redis.pipeline > 100000) return "--pipeline must be 1..100000";
  }
  return validate(o.params, o.workload);
}

}  // namespace runnel::benchtool
