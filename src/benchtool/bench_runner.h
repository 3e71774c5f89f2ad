// run_bench: carries out validated BenchOptions — starts what the run needs
// (a runnel serve, the mock cluster, redis-server, scratch dirs), runs the
// workload or the suite, stops everything again (also on Ctrl-C), and fills
// the report. Progress goes to stderr; the report is the caller's to print.
#pragma once

#include "benchtool/bench_options.h"
#include "benchtool/report.h"

namespace runnel::benchtool {

// 0 if every run succeeded, 1 if any failed (the report says which), 130 if
// interrupted.
int run_bench(const BenchOptions& options, Report& report);

}  // namespace runnel::benchtool
