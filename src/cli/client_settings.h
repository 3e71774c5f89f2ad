// Where the CLI connects and how it prints: --brokers, -X key=value, the
// RUNNEL_BROKERS / RUNNEL_ADMIN_URL environment, --admin-url, --format and the
// connect timeout, merged with the precedence default < environment < -X <
// flag. Pure: the environment is passed in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/outcome.h"

namespace runnel::cli {

enum class OutputFormat { kText, kJson };

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const;
};

// "host:port", "[v6addr]:port" or a bare host (default_port).
Outcome<HostPort> parse_host_port(std::string_view text, uint16_t default_port);
// A comma-separated list of the above; empty entries are refused.
Outcome<std::vector<HostPort>> parse_host_list(std::string_view text, uint16_t default_port);

// What the command line said, before defaults and the environment.
struct GlobalFlags {
  std::string brokers;              // --brokers
  std::vector<std::string> x_opts;  // -X key=value, in order
  std::string admin_url;            // --admin-url
  std::string format;               // --format text|json
  std::string connect_timeout;      // --connect-timeout DURATION
  bool verbose = false;             // -v: librdkafka's log lines on stderr
};

struct ClientSettings {
  std::vector<HostPort> brokers;
  HostPort admin;
  OutputFormat format = OutputFormat::kText;
  int64_t connect_timeout_ms = 5000;
  bool verbose = false;

  std::string bootstrap() const;  // "h1:p1,h2:p2", librdkafka's bootstrap.servers
  bool json() const { return format == OutputFormat::kJson; }
};

inline constexpr uint16_t kDefaultKafkaPort = 9092;
inline constexpr uint16_t kDefaultAdminPort = 9644;

// The -X keys understood, with a line of help each (for the error on an
// unknown key and for --help).
const std::map<std::string, std::string>& x_option_help();

Outcome<ClientSettings> resolve_client_settings(const GlobalFlags& flags,
                                                const std::map<std::string, std::string>& env);

// This process's RUNNEL_* variables.
std::map<std::string, std::string> runnel_environment();

}  // namespace runnel::cli
