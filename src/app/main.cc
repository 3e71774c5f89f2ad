// The runnel binary: one executable, one subcommand per face of the platform.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "app/version.h"

namespace {

// Flags `runnel serve` accepts. The broker behind them lands with issue 4;
// they are declared now so `--help` already documents the interface.
struct ServeOptions {
  std::string data_dir = "./runnel-data";
  std::string kafka_addr = "127.0.0.1:9092";
  std::string advertise_kafka_addr;
  std::string admin_addr = "127.0.0.1:9644";
  unsigned smp = 0;
  std::string config_file;
  std::string log_level = "info";
  bool dev_mode = false;
  bool print_config = false;
};

void add_serve_command(CLI::App& app, ServeOptions& opts) {
  CLI::App* serve = app.add_subcommand("serve", "Run a broker node (Kafka, admin HTTP and metrics listeners)");
  serve->add_option("--data-dir", opts.data_dir, "Directory for partition logs and metadata")->capture_default_str();
  serve->add_option("--kafka-addr", opts.kafka_addr, "Kafka listener host:port")->capture_default_str();
  serve->add_option("--advertise-kafka-addr", opts.advertise_kafka_addr,
                    "Address advertised to clients (default: the listen address)");
  serve->add_option("--admin-addr", opts.admin_addr, "Admin HTTP and Prometheus listener host:port")
      ->capture_default_str();
  serve->add_option("--smp", opts.smp, "Shards (threads); 0 means one per CPU")->capture_default_str();
  serve->add_option("--config", opts.config_file, "YAML configuration file");
  serve->add_option("--log-level", opts.log_level, "trace|debug|info|warn|error")->capture_default_str();
  serve->add_flag("--dev-mode", opts.dev_mode, "Relax durability for local development");
  serve->add_flag("--print-config", opts.print_config, "Print the effective configuration and exit");
  serve->callback([]() {
    std::fputs("runnel serve: the broker is not implemented yet; nothing is listening\n", stderr);
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runnel: a Kafka-compatible streaming platform in one binary"};
  app.set_version_flag("--version", std::string("runnel ") + RUNNEL_VERSION);
  app.require_subcommand(1);

  ServeOptions serve_opts;
  add_serve_command(app, serve_opts);

  CLI11_PARSE(app, argc, argv);
  return 0;
}
