// Report: every result of a bench invocation plus the ratios and checks the
// suite derives from them, rendered as an aligned table for people or as one
// JSON document for scripts (tools/bench-suite.py reads it).
#pragma once

#include <string>
#include <vector>

#include "benchtool/bench_result.h"

namespace runnel::benchtool {

struct Report {
  std::string machine;  // "AMD EPYC, 2 cores, Linux 6.1" (machine_facts())
  std::string command;  // the command line that produced it
  std::string started;  // UTC ISO-8601
  std::vector<BenchResult> results;
  std::vector<Ratio> ratios;
  std::vector<Check> checks;
};

// Fills in Ratio::value and Check::value from the results (by id).
void evaluate(Report& report);

std::string format_table(const Report& report);
std::string format_json(const Report& report);

// Units for tables: 1.5e9 -> "1.50 GB/s" (decimal, as the targets),
// 2.9e6 -> "2.90 M/s", 0.0123 -> "12.3 µs"-style milliseconds.
std::string human_bytes_rate(double bytes_per_s);
std::string human_count_rate(double per_s);
std::string human_ms(double ms);

// CPU model, core count, kernel, memory: one line.
std::string machine_facts();

}  // namespace runnel::benchtool
