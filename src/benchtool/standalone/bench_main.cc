// runnel-bench: `runnel bench` as its own executable, for working on the
// harness without relinking the broker. Same flags, same exit codes.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "benchtool/bench_command.h"

int main(int argc, char** argv) {
  CLI::App app{"runnel-bench: `runnel bench` on its own"};
  app.require_subcommand(1);
  runnel::benchtool::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::fprintf(stderr, "runnel bench: %s (see --help)\n", e.what());
    return 2;
  }
  return 0;
}
