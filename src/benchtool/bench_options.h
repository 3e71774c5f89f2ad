// BenchOptions: everything `runnel bench` was asked to do, as parsed from the
// command line — which workload or suite, against which target, with which
// parameters — before any of it runs.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "benchtool/baselines.h"
#include "benchtool/bench_params.h"

namespace runnel::benchtool {

struct BenchOptions {
  std::string workload = "produce";  // produce|e2e|catchup|connections|rss|loopback|odirect|redis
  std::string suite;                 // "standard" runs the suite instead of one workload
  WorkloadParams params;
  // Targets for the Kafka workloads (exactly one for them; the suite takes
  // --brokers or --start-runnel and adds the mock itself).
  std::string brokers;
  pid_t broker_pid = -1;
  std::string start_runnel;  // path to the runnel binary
  std::vector<std::string> runnel_args;
  bool mock = false;
  std::string data_dir;  // parent of scratch dirs ("" = the system temp dir)
  RedisOptions redis;
  double scale = 1.0;  // suite: multiplies every duration and count
  int repeat = 1;      // suite: runs of each measurement; the median is reported
  bool json = false;
  std::string command;  // the command line, for the report
};

// The first reason the options cannot run, or "".
std::string validate(const BenchOptions& o);

}  // namespace runnel::benchtool
