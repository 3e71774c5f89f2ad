// The standard suite (issue 7's targets): every baseline, every Runnel
// workload, and the ratios and checks that compare them, in one run of a few
// minutes. Scaled by options.scale (durations and counts) for quick checks.
#pragma once

#include "benchtool/bench_options.h"
#include "benchtool/kafka_target.h"
#include "benchtool/report.h"
#include "benchtool/scratch_dir.h"

namespace runnel::benchtool {

void run_standard_suite(const BenchOptions& options, const KafkaTarget& runnel, const ScratchDir& scratch,
                        Report& report);

// The ratios and checks of the standard suite, without values (pure: used by
// run_standard_suite and by tests).
void add_standard_goals(Report& report);

}  // namespace runnel::benchtool
