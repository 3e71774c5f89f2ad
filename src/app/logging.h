// Logging set-up for `runnel serve`: the --log-level spec (a level for
// everything, per-subsystem levels, or both: "info", "kafka=debug",
// "warn,kafka=debug,storage=info"), the subsystem loggers and the line format
// with the shard id.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace runnel::app {

struct LogLevels {
  std::string all = "info";                      // the default logger and unnamed subsystems
  std::map<std::string, std::string> subsystem;  // kafka, storage, cluster, http, app
};

// Parses a --log-level spec; on failure `why` says what is wrong.
std::optional<LogLevels> parse_log_levels(std::string_view spec, std::string* why);

// Creates the subsystem loggers, sets their levels and the line format
// ("[time] [level] [shard N] message"). Call once, before the shards run.
void configure_logging(const LogLevels& levels);

}  // namespace runnel::app
