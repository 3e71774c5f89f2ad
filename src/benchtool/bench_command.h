// `runnel bench`: the load generator and comparison harness, registered on
// the runnel binary's CLI11 app. Parses its flags, runs (bench_runner.h) and
// prints a table, or JSON with --json. Bad flags raise CLI11's validation
// error (exit 2 through the caller's ParseError handling); a failed run exits
// with 1 after printing the report, an interrupted one with 130.
#pragma once

#include <CLI/CLI.hpp>

namespace runnel::benchtool {

void add_bench_command(CLI::App& app);

}  // namespace runnel::benchtool

using runnel::benchtool::add_bench_command;
