// The runnel binary: one executable, one subcommand per face of the platform:
// `serve` runs a broker; `topic`, `group` and `cluster` are the operator CLI.
// Exit codes: 0 success, 1 a failure while running, 2 a bad command line or
// configuration (reported as one line on stderr).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "app/config.h"
#include "app/serve.h"
#include "app/version.h"
#include "benchtool/bench_command.h"
#include "cli/cli.h"

namespace {

constexpr int kUsageError = 2;

struct ServeCommand {
  CLI::App* command = nullptr;
  runnel::app::ServeFlags flags;
  bool print_config = false;
};

// Options are taken as text: load_serve_config checks every layer (file,
// environment, flags) with the same rules and the same messages.
void add_serve_command(CLI::App& app, ServeCommand& serve) {
  using runnel::app::kMaxSmp;
  runnel::app::ServeFlags& f = serve.flags;
  CLI::App* cmd = app.add_subcommand("serve", "Run a broker node (Kafka, admin HTTP and metrics listeners)");
  serve.command = cmd;
  cmd->add_option("--config", f.config_file, "YAML configuration file (env RUNNEL_CONFIG)")
      ->type_name("FILE");
  cmd->add_option("--node-id", f.node_id, "This node's id [0] (env RUNNEL_NODE_ID)")->type_name("INT");
  cmd->add_option("--data-dir", f.data_dir, "Directory for partition logs and metadata [./runnel-data]")
      ->type_name("DIR");
  cmd->add_option("--kafka-addr", f.kafka_addr, "Kafka listener host:port [127.0.0.1:9092]")
      ->type_name("HOST:PORT");
  cmd->add_option("--advertise-kafka-addr", f.advertise_kafka_addr,
                  "Address given to clients [the listen address; this host's name for 0.0.0.0 or ::]")
      ->type_name("HOST:PORT");
  cmd->add_option("--admin-addr", f.admin_addr,
                  "Admin HTTP and Prometheus listener host:port [127.0.0.1:9644]")
      ->type_name("HOST:PORT");
  cmd->add_option("--smp", f.smp, "Shards (threads), 1.." + std::to_string(kMaxSmp) + " [one per CPU]")
      ->type_name("N");
  cmd->add_option("--log-level", f.log_level,
                  "LEVEL or LEVEL,SUBSYSTEM=LEVEL,... (trace|debug|info|warn|error|off; subsystems kafka, "
                  "storage, cluster, http, app) [info]")
      ->type_name("LEVEL");
  cmd->add_flag("--dev-mode,!--no-dev-mode", f.dev_mode,
                "Single-node development mode [on]; --dev-mode=false or --no-dev-mode turns it off");
  cmd->add_option("--set", f.kafka_sets,
                  "A Kafka broker setting by its Kafka name, e.g. --set num.partitions=3 (repeatable; "
                  "env RUNNEL_KAFKA_NUM_PARTITIONS; file map kafka:)")
      ->type_name("NAME=VALUE");
  cmd->add_flag("--print-config", serve.print_config, "Print the effective configuration as YAML and exit");
}

int serve_main(const ServeCommand& serve) {
  auto config = runnel::app::load_serve_config(serve.flags, runnel::app::process_environment(),
                                               runnel::app::catalog_validator(),
                                               runnel::app::HostFacts::of_this_process());
  if (!config.ok()) {
    std::fprintf(stderr, "runnel serve: %s\n", config.error().c_str());
    return kUsageError;
  }
  if (serve.print_config) {
    std::fputs(runnel::app::to_yaml(runnel::app::with_catalog_defaults(*config)).c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  return runnel::app::run_serve(*config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runnel: a Kafka-compatible streaming platform in one binary"};
  app.set_version_flag("--version", std::string("runnel ") + RUNNEL_VERSION);
  app.require_subcommand(1);

  ServeCommand serve;
  add_serve_command(app, serve);
  runnel::cli::Cli cli(app);
  runnel::benchtool::add_bench_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, as successes.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    const std::string where = serve.command->parsed() ? "runnel serve" : cli.chosen_path();
    std::fprintf(stderr, "%s: %s (see --help)\n", where.c_str(), e.what());
    return kUsageError;
  }
  if (serve.command->parsed()) return serve_main(serve);
  if (cli.chosen()) return cli.run();
  return 0;
}
