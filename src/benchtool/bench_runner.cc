// See bench_runner.h.
#include "benchtool/bench_runner.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "benchtool/baseline_mock.h"
#include "benchtool/child_process.h"
#include "benchtool/runnel_server.h"
#include "benchtool/scratch_dir.h"
#include "benchtool/stop_flag.h"
#include "benchtool/suite.h"
#include "benchtool/workloads.h"

namespace runnel::benchtool {

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string scratch_parent(const BenchOptions& o) {
  if (!o.data_dir.empty()) return o.data_dir;
  std::error_code ec;
  auto tmp = std::filesystem::temp_directory_path(ec);
  return ec ? std::string(".") : tmp.string();
}

BenchResult failed(const std::string& id, const std::string& target, const std::string& why) {
  BenchResult r;
  r.id = id;
  r.workload = "setup";
  r.target = target;
  r.error = why;
  return r;
}

BenchResult run_kafka_workload(const std::string& workload, const KafkaTarget& t, const WorkloadParams& p) {
  const std::string id = t.name + "." + workload;
  if (workload == "produce") return run_produce(t, p, id);
  if (workload == "e2e") return run_e2e(t, p, id);
  if (workload == "catchup") return run_catchup(t, p, id);
  if (workload == "connections") return run_connections(t, p, id);
  return measure_rss(t, id, "now");
}

}  // namespace

int run_bench(const BenchOptions& o, Report& report) {
  report.machine = machine_facts();
  report.command = o.command;
  report.started = utc_now();
  raise_fd_limit();

  ScratchDir scratch(scratch_parent(o));
  if (!scratch.error().empty()) {
    report.results.push_back(failed("setup", "-", scratch.error()));
    return 1;
  }

  // Each started server lives until run_bench returns, whatever happens.
  std::unique_ptr<RunnelServer> runnel;
  std::unique_ptr<MockCluster> mock;
  KafkaTarget target;
  const bool wants_kafka = !o.suite.empty() || o.workload == "produce" || o.workload == "e2e" ||
                           o.workload == "catchup" || o.workload == "connections" || o.workload == "rss";
  if (wants_kafka) {
    if (!o.start_runnel.empty()) {
      runnel = std::make_unique<RunnelServer>();
      std::fprintf(stderr, "bench: starting %s serve in %s\n", o.start_runnel.c_str(),
                   scratch.path().c_str());
      std::string err = runnel->start(o.start_runnel, scratch.make_sub("runnel"), o.runnel_args);
      if (!err.empty()) {
        report.results.push_back(failed("runnel.start", "runnel", err));
        return 1;
      }
      target = runnel->target();
    } else if (o.mock) {
      mock = std::make_unique<MockCluster>();
      std::string err = mock->start();
      if (!err.empty()) {
        report.results.push_back(failed("mock.start", "mock", err));
        return 1;
      }
      target = mock->target();
    } else {
      target.name = "brokers";
      target.bootstrap = o.brokers;
      target.pid = o.broker_pid;
      use_admin_topics(target);
    }
  }

  if (!o.suite.empty()) {
    run_standard_suite(o, target, scratch, report);
  } else if (wants_kafka) {
    std::fprintf(stderr, "bench: %s against %s (%s)\n", o.workload.c_str(), target.name.c_str(),
                 target.bootstrap.c_str());
    report.results.push_back(run_kafka_workload(o.workload, target, o.params));
  } else if (o.workload == "loopback") {
    report.results.push_back(run_loopback(o.params.duration_s, "baseline.loopback"));
  } else if (o.workload == "odirect") {
    const std::int64_t total = o.params.count > 0 ? o.params.count << 20 : std::int64_t{4} << 30;
    report.results.push_back(run_odirect(
        scratch.path(), total, o.params.count > 0 ? 3600 : o.params.duration_s, "baseline.odirect"));
  } else if (o.workload == "redis") {
    RedisOptions ro = o.redis;
    ro.dir = scratch.make_sub("redis");
    for (auto& r :
         run_redis(o.params, ro, "baseline.redis-" + (ro.appendfsync == "no" ? "off" : ro.appendfsync)))
      report.results.push_back(std::move(r));
  }
  evaluate(report);

  bool any_failed = false;
  for (const auto& r : report.results) any_failed = any_failed || !r.ok();
  if (runnel) {
    runnel->stop();
    // The log goes with the scratch dir: show its end when something failed.
    if (any_failed)
      std::fprintf(stderr, "bench: runnel serve log, last lines:\n%s\n", runnel->log_tail().c_str());
    std::fprintf(stderr, "bench: runnel serve stopped\n");
  }
  if (stop_requested()) return 130;
  return any_failed ? 1 : 0;
}

}  // namespace runnel::benchtool
