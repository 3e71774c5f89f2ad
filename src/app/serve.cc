#include "app/serve.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "app/admin_listener.h"
#include "app/logging.h"
#include "app/version.h"
#include "base/logging.h"
#include "base/shards.h"
#include "kafka/broker.h"

namespace runnel::app {

namespace {

kafka::BrokerConfig broker_config(const ServeConfig& config) {
  kafka::BrokerConfig out;
  out.node_id = config.node_id;
  out.data_dir = config.data_dir;
  out.listen_host = config.kafka_addr.host;
  out.listen_port = config.kafka_addr.port;
  out.advertised_host = config.advertise_kafka_addr.host;
  out.advertised_port = config.advertise_kafka_addr.port;
  out.dev_mode = config.dev_mode;
  out.settings = config.kafka_settings;
  for (const auto& [name, source] : config.kafka_setting_sources) {
    out.setting_sources[name] = source == SettingSource::kDefault ? "default" : "static";
  }
  return out;
}

}  // namespace

int run_serve(const ServeConfig& config) {
  std::string why;
  std::optional<LogLevels> levels = parse_log_levels(config.log_level, &why);
  configure_logging(levels ? *levels : LogLevels{});
  std::signal(SIGPIPE, SIG_IGN);

  Shards shards(config.smp);
  // Log lines carry the shard: each shard thread learns its id first thing.
  for (unsigned s = 0; s < shards.count(); ++s) {
    shards.post(s, [s] { log::current_shard = static_cast<int>(s); });
  }
  kafka::BrokerConfig broker_cfg = broker_config(config);
  kafka::Broker broker(shards, broker_cfg);
  AdminListener admin(shards, &broker, config);
  try {
    broker.prepare();
    admin.bind(config.admin_addr.host, config.admin_addr.port);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runnel serve: %s\n", e.what());
    return 1;
  }
  int exit_code = 0;
  bool stopping = false;
  asio::signal_set signals(shards.context(0), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec || stopping) return;
    stopping = true;
    admin.stop();
    asio::co_spawn(shards.context(0), broker.shutdown(), [&](std::exception_ptr e) {
      if (e) {
        exit_code = 1;
        shards.stop();
      }
    });
  });
  // Liveness is served from the start; readiness once the broker serves Kafka.
  admin.start();
  asio::co_spawn(shards.context(0), broker.start(), [&](std::exception_ptr e) {
    if (!e) {
      admin.set_ready();
      // The banner: every listener and where the data lives, once ready.
      log::app().info(
          "runnel {} node {} ready: Kafka API {}:{} (advertised {}:{}), admin API and metrics {}:{}, "
          "data directory {}, {} shard(s)",
          RUNNEL_VERSION, config.node_id, config.kafka_addr.host, broker.bound_port(),
          config.advertise_kafka_addr.host,
          config.advertise_kafka_addr.port == 0 ? broker.bound_port() : config.advertise_kafka_addr.port,
          config.admin_addr.host, admin.port(), config.data_dir, shards.count());
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& failure) {
      std::fprintf(stderr, "runnel serve: start-up failed: %s\n", failure.what());
    }
    exit_code = 1;
    shards.stop();
  });
  shards.run();
  return exit_code;
}

}  // namespace runnel::app
