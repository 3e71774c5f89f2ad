// See bench_command.h.
#include "benchtool/bench_command.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "benchtool/bench_options.h"
#include "benchtool/bench_runner.h"
#include "benchtool/report.h"
#include "benchtool/stop_flag.h"

namespace runnel::benchtool {

namespace {

// What the user wrote, flag by flag, for the report's command line. Options
// live on the command and on its option groups.
std::string command_line(const CLI::App& cmd, const std::vector<const CLI::App*>& groups) {
  std::string s = "runnel bench";
  std::vector<const CLI::Option*> options = cmd.get_options();
  for (const CLI::App* g : groups)
    for (const CLI::Option* opt : g->get_options()) options.push_back(opt);
  for (const CLI::Option* opt : options) {
    if (opt->count() == 0 || opt->get_name() == "--help") continue;
    if (opt->get_positional()) {
      for (const auto& r : opt->results()) s += " " + r;
      continue;
    }
    if (opt->get_expected_min() == 0) {  // a flag
      s += " " + opt->get_name();
      continue;
    }
    for (const auto& r : opt->results()) {
      s += " ";
      s += opt->get_name();
      s += " ";
      s += r;
    }
  }
  return s;
}

struct BenchFlags {
  BenchOptions options;
  std::string record_size = "1KiB";
  std::string duration = "10s";
  std::string batch_size = "1000000";
  std::string acks = "all";
  std::vector<const CLI::App*> groups;  // for command_line()
};

// The caller's ParseError handler names the command; the message is the flag's.
[[noreturn]] void usage(const std::string& message) {
  throw CLI::ValidationError(message, CLI::ExitCodes::ValidationError);
}

void run(CLI::App& cmd, BenchFlags& f) {
  BenchOptions& o = f.options;
  auto size = parse_size(f.record_size);
  if (!size || *size < 1)
    usage("--record-size: expected a size like 100, 1KiB or 1MiB, got '" + f.record_size + "'");
  o.params.record_size = static_cast<std::size_t>(*size);
  auto duration = parse_duration(f.duration);
  if (!duration) usage("--duration: expected a time like 10s, 500ms or 2m, got '" + f.duration + "'");
  o.params.duration_s = *duration;
  auto batch = parse_size(f.batch_size);
  if (!batch) usage("--batch-size: expected a size like 1000000 or 1MiB, got '" + f.batch_size + "'");
  o.params.batch_size = *batch;
  auto acks = parse_acks(f.acks);
  if (!acks) usage("--acks: expected 0, 1 or all, got '" + f.acks + "'");
  o.params.acks = *acks;
  o.command = command_line(cmd, f.groups);
  if (std::string err = validate(o); !err.empty()) usage(err);

  install_stop_handlers();
  Report report;
  int rc = run_bench(o, report);
  const std::string text = o.json ? format_json(report) : format_table(report);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  if (rc != 0) std::exit(rc);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  BenchOptions& o = flags->options;
  WorkloadParams& p = o.params;
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Load generator and comparison harness: Kafka workloads against a broker, and baselines "
      "(loopback TCP, O_DIRECT disk, librdkafka's mock cluster, Redis Streams)");
  cmd->footer(
      "Workloads: produce (max throughput, or --rate), e2e (produce+consume at --rate, end-to-end latency), "
      "catchup (read a pre-filled topic), connections (idle connections and broker RSS), rss (broker RSS "
      "now), "
      "loopback, odirect, redis.\n"
      "Examples:\n"
      "  runnel bench produce --start-runnel build/bin/runnel --record-size 1KiB --partitions 6 --acks all\n"
      "  runnel bench e2e --brokers 127.0.0.1:9092 --rate 20000 --duration 30s --json\n"
      "  runnel bench redis --appendfsync everysec --count 100000\n"
      "  runnel bench --suite standard --start-runnel build/bin/runnel");
  cmd->add_option("workload", o.workload,
                  "produce|e2e|catchup|connections|rss|loopback|odirect|redis [produce]");
  cmd->add_option("--suite", o.suite, "Run a whole suite instead of one workload: standard")
      ->type_name("NAME");

  auto* target = cmd->add_option_group("Target");
  target->add_option("--brokers", o.brokers, "An already-running broker, host:port[,host:port]")
      ->type_name("HOST:PORT");
  target->add_option("--broker-pid", o.broker_pid, "Its process id, for memory figures with --brokers")
      ->type_name("PID");
  target
      ->add_option("--start-runnel", o.start_runnel,
                   "Start `PATH serve` on a scratch data dir and free ports, and stop it after")
      ->type_name("PATH");
  target
      ->add_option("--runnel-arg", o.runnel_args,
                   "Extra argument for the started `serve` (repeatable), e.g. --runnel-arg=--smp=1")
      ->type_name("ARG")
      ->allow_extra_args(false);
  target->add_flag("--mock", o.mock, "librdkafka's in-memory mock cluster (a baseline with no disk)");
  target
      ->add_option("--data-dir", o.data_dir,
                   "Where scratch dirs (data, O_DIRECT file) go [the system temp dir]")
      ->type_name("DIR");

  auto* params = cmd->add_option_group("Workload");
  params->add_option("--record-size", flags->record_size, "Value bytes per record [1KiB]")->type_name("SIZE");
  params->add_option("--partitions", p.partitions, "Partitions of the topic [6]")->type_name("N");
  params->add_option("--producers", p.producers, "Producer clients, a thread each [1]")->type_name("N");
  params->add_option("--consumers", p.consumers, "Consumer clients, a thread each [1]")->type_name("N");
  params->add_option("--acks", flags->acks, "0, 1 or all [all]")->type_name("ACKS");
  params->add_option("--compression", p.compression, "none|gzip|snappy|lz4|zstd [none]")->type_name("CODEC");
  params->add_option("--rate", p.rate, "Records/s over all producers; 0 = as fast as possible [0]")
      ->type_name("N");
  params->add_option("--duration", flags->duration, "How long to produce, e.g. 10s, 500ms, 2m [10s]")
      ->type_name("TIME");
  params->add_option("--count", p.count, "Records to produce instead of a duration (odirect: MiB)")
      ->type_name("N");
  params->add_option("--linger", p.linger_ms, "Producer linger.ms [5]")->type_name("MS");
  params->add_option("--batch-size", flags->batch_size, "Producer batch.size [1000000]")->type_name("SIZE");
  params->add_option("--topic", p.topic, "Use this topic (created if missing) instead of a fresh one")
      ->type_name("NAME");
  params
      ->add_option("--fetch-wait", p.fetch_wait_ms,
                   "Consumer fetch.wait.max.ms: how long a broker may hold an empty fetch [500]")
      ->type_name("MS");
  params->add_option("--connections", p.connections, "Idle connections to open [2000]")->type_name("N");

  auto* redis = cmd->add_option_group("Redis");
  redis->add_option("--appendfsync", o.redis.appendfsync, "everysec|always|no (no: AOF off) [everysec]")
      ->type_name("POLICY");
  redis->add_option("--redis-server", o.redis.server, "redis-server binary to start [redis-server]")
      ->type_name("PATH");
  redis->add_option("--redis", o.redis.address, "A running Redis instead, host:port")->type_name("HOST:PORT");
  redis->add_option("--pipeline", o.redis.pipeline, "Commands per pipelined round trip [1000]")
      ->type_name("N");

  cmd->add_option("--scale", o.scale, "Suite: multiply every duration and count (0.05 for a smoke run) [1]")
      ->type_name("F");
  cmd->add_option("--repeat", o.repeat, "Suite: run each measurement N times and report the median [1]")
      ->type_name("N");
  cmd->add_flag("--json", o.json, "Print the report as JSON");
  flags->groups = {target, params, redis};
  cmd->callback([cmd, flags] { run(*cmd, *flags); });
}

}  // namespace runnel::benchtool
