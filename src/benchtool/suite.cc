// See suite.h. Order matters: the latency runs are paced at fractions of the
// durable produce figure measured just before them, and Redis gets the same
// record count Runnel delivered.
#include "benchtool/suite.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "benchtool/baseline_mock.h"
#include "benchtool/baselines.h"
#include "benchtool/stop_flag.h"
#include "benchtool/workloads.h"

namespace runnel::benchtool {

namespace {

const BenchResult& add(Report& report, BenchResult r) {
  std::string line;
  if (r.ok() && r.records == 0) {
    for (const auto& [k, v] : r.extra) line += k + "=" + std::to_string(v) + " ";
  } else if (r.ok()) {
    line = human_bytes_rate(r.bytes_per_s());
    line += ", ";
    line += human_count_rate(r.records_per_s());
  } else {
    line = "FAILED: ";
    line += r.error;
  }
  std::fprintf(stderr, "bench: %-28s %s\n", r.id.c_str(), line.c_str());
  report.results.push_back(std::move(r));
  return report.results.back();
}

// "<prefix><name>" without operator+ on a literal (g++ 12's -Wrestrict false positive).
std::string join(const char* prefix, const char* name) {
  std::string s = prefix;
  s += name;
  return s;
}

// Assigned from a string, not a literal (g++ 12's -Wrestrict false positive).
const std::string kAcksOne = "1";
const std::string kAcksAll = "all";

void announce(const char* what) {
  std::fprintf(stderr, "bench: %s\n", what);
}

}  // namespace

void add_standard_goals(Report& report) {
  report.ratios = {
      {"durable produce 1KiB vs mock",
       "runnel.produce.1k.acks-all",
       "mock.produce.1k.acks-all",
       "bytes_per_s",
       0.70,
       {}},
      {"durable produce 1KiB vs Redis AOF everysec",
       "runnel.produce.1k.acks-all",
       "baseline.redis-everysec.xadd",
       "bytes_per_s",
       2.0,
       {}},
      {"durable produce 1KiB vs Redis AOF always",
       "runnel.produce.1k.acks-all",
       "baseline.redis-always.xadd",
       "bytes_per_s",
       0,
       {}},
      {"durable produce 1KiB vs O_DIRECT+fdatasync",
       "runnel.produce.1k.acks-all",
       "baseline.odirect",
       "bytes_per_s",
       0,
       {}},
      {"produce 100B acks=1 vs mock",
       "runnel.produce.100b.acks-1",
       "mock.produce.100b.acks-1",
       "records_per_s",
       0.70,
       {}},
      {"catch-up 1KiB vs loopback TCP", "runnel.catchup.1k", "baseline.loopback", "bytes_per_s", 0.30, {}},
      {"catch-up 1KiB vs mock", "runnel.catchup.1k", "mock.catchup.1k", "bytes_per_s", 0, {}},
      {"catch-up 1KiB vs Redis XREADGROUP",
       "runnel.catchup.1k",
       "baseline.redis-everysec.xreadgroup",
       "bytes_per_s",
       0,
       {}},
      {"1,000 partitions vs 6",
       "runnel.produce.1k.1000p",
       "runnel.produce.1k.acks-all",
       "bytes_per_s",
       0.70,
       {}},
  };
  report.checks = {
      {"e2e at 1/2 durable max: p99 (ms)", "runnel.e2e.half", "p99_ms", 5, {}},
      {"e2e at 1/2 durable max: p99.9 (ms)", "runnel.e2e.half", "p999_ms", 15, {}},
      {"e2e at 1/4 durable max: p99 (ms)", "runnel.e2e.quarter", "p99_ms", 2, {}},
      {"idle RSS (MiB)", "runnel.rss.idle", "rss_mib", 50, {}},
      {"RSS with 1,000 partitions (MiB)", "runnel.rss.1000p", "rss_mib", 300, {}},
      {"idle connection (KiB each)", "runnel.connections.2000", "kib_per_connection", 20, {}},
  };
}

void run_standard_suite(const BenchOptions& o, const KafkaTarget& runnel, const ScratchDir& scratch,
                        Report& report) {
  add_standard_goals(report);
  // Throughput and latency figures are medians of o.repeat runs; memory
  // figures are taken once (a second run would weigh a different heap).
  auto median = [&o](const std::function<BenchResult()>& run) {
    std::vector<BenchResult> runs;
    for (int i = 0; i < o.repeat && !stop_requested(); ++i) runs.push_back(run());
    return median_of(std::move(runs));
  };
  const double s = o.scale;
  const double run_s = 10 * s;
  auto scaled = [s](std::int64_t n) {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(n * s)));
  };

  WorkloadParams durable = o.params;
  durable.record_size = 1024;
  durable.partitions = 6;
  durable.producers = 1;
  durable.acks = kAcksAll;
  durable.rate = 0;
  durable.count = 0;
  durable.duration_s = run_s;

  WorkloadParams small = durable;
  small.record_size = 100;
  small.acks = kAcksOne;

  WorkloadParams catchup = durable;
  catchup.count = scaled(256 * 1024);  // 256 MiB of 1 KiB records

  // Runnel first: its idle memory before anything else touches it.
  // Connections next, on a fresh heap: later, memory freed by the other runs
  // would be reused and hide what each connection costs.
  if (runnel.pid > 0) {
    add(report, measure_rss(runnel, "runnel.rss.idle", "idle, just started"));
    WorkloadParams conns = durable;
    conns.connections = static_cast<int>(scaled(2000));
    add(report, run_connections(runnel, conns, "runnel.connections.2000"));
  }
  if (stop_requested()) return;
  announce("runnel: durable produce");
  const BenchResult& produced =
      add(report, median([&] { return run_produce(runnel, durable, "runnel.produce.1k.acks-all"); }));
  const double durable_rate = produced.ok() ? produced.records_per_s() : 0;
  const std::int64_t durable_count = produced.ok() ? produced.records : scaled(100000);
  if (stop_requested()) return;
  add(report, median([&] { return run_produce(runnel, small, "runnel.produce.100b.acks-1"); }));
  if (stop_requested()) return;

  WorkloadParams many = durable;
  many.partitions = 1000;
  announce("runnel: 1,000 partitions");
  add(report, median([&] { return run_produce(runnel, many, "runnel.produce.1k.1000p"); }));
  if (runnel.pid > 0) add(report, measure_rss(runnel, "runnel.rss.1000p", "after the 1,000-partition run"));
  if (stop_requested()) return;

  announce("runnel: catch-up read");
  add(report, median([&] { return run_catchup(runnel, catchup, "runnel.catchup.1k"); }));
  if (stop_requested()) return;

  for (const auto& [fraction, id] :
       {std::pair{0.5, "runnel.e2e.half"}, std::pair{0.25, "runnel.e2e.quarter"}}) {
    WorkloadParams e2e = durable;
    e2e.linger_ms = 1;
    e2e.rate = std::max(100.0, std::floor(durable_rate * fraction));
    const std::string name = id;  // clang 14 cannot capture a structured binding
    announce(id);
    add(report, median([&] { return run_e2e(runnel, e2e, name); }));
    if (stop_requested()) return;
  }

  // Baselines.
  announce("baseline: loopback TCP");
  add(report, median([&] { return run_loopback(std::max(1.0, 3 * s), "baseline.loopback"); }));
  announce("baseline: O_DIRECT + fdatasync per MiB");
  add(report, median([&] {
        return run_odirect(scratch.path(), scaled(std::int64_t{2} << 30), std::max(1.0, 5 * s),
                           "baseline.odirect");
      }));
  if (stop_requested()) return;

  {
    MockCluster mock;
    std::string err = mock.start();
    if (!err.empty()) {
      BenchResult r;
      r.id = "mock.start";
      r.target = "mock";
      r.error = err;
      add(report, r);
    } else {
      KafkaTarget t = mock.target();
      announce("baseline: librdkafka mock cluster");
      add(report, median([&] { return run_produce(t, durable, "mock.produce.1k.acks-all"); }));
      if (stop_requested()) return;
      add(report, median([&] { return run_produce(t, small, "mock.produce.100b.acks-1"); }));
      if (stop_requested()) return;
      // librdkafka 2.0's mock keeps only about the newest 50 MiB in all
      // (measured; its nominal limit is 5 MiB per partition): fill 40 MiB over
      // many partitions, so the read measures fetches, not truncation.
      WorkloadParams mock_catchup = catchup;
      mock_catchup.count = std::min<std::int64_t>(catchup.count, 40 * 1024);
      mock_catchup.partitions = 64;
      add(report, median([&] { return run_catchup(t, mock_catchup, "mock.catchup.1k"); }));
      if (stop_requested()) return;
    }
  }

  for (const char* fsync : {"everysec", "always"}) {
    RedisOptions ro = o.redis;
    ro.appendfsync = fsync;
    WorkloadParams rp = durable;
    rp.count = std::min<std::int64_t>(durable_count, 2000000);
    // fsync-always Redis can take minutes for the same count: bound it.
    ro.max_seconds = 2 * run_s;
    std::fprintf(stderr, "bench: baseline: redis-server appendfsync %s, %lld XADDs\n", fsync,
                 static_cast<long long>(rp.count));
    // XADD and XREADGROUP medians are taken each on its own.
    std::vector<std::vector<BenchResult>> runs(2);
    for (int i = 0; i < o.repeat && !stop_requested(); ++i) {
      // A fresh dir each run: a restarted Redis would first load the last AOF.
      std::string dir = join("redis-", fsync);
      dir += "-";
      dir += std::to_string(i);
      ro.dir = scratch.make_sub(dir);
      auto pair = run_redis(rp, ro, join("baseline.redis-", fsync));
      for (std::size_t k = 0; k < pair.size() && k < runs.size(); ++k) runs[k].push_back(std::move(pair[k]));
    }
    for (auto& r : runs)
      if (!r.empty()) add(report, median_of(std::move(r)));
    if (stop_requested()) return;
  }
}

}  // namespace runnel::benchtool
