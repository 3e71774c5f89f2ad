// ServeConfig: everything `runnel serve` needs to start, loaded from built-in
// defaults < a YAML file < RUNNEL_* environment variables < command-line flags.
// Loading either yields a fully resolved config or one line naming the bad value.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace runnel::app {

// Why a configuration value was refused, as one printable line. Status can't
// carry it (its detail is a static string) and start-up is not a hot path.
struct ConfigError {
  std::string message;
};

// A value or the ConfigError explaining why there is none.
template <typename T>
class [[nodiscard]] ConfigResult {
 public:
  ConfigResult(T value) : state_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  ConfigResult(ConfigError error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  // Only when ok(); otherwise std::bad_variant_access (a programming error).
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // Only when !ok().
  const std::string& error() const { return std::get<ConfigError>(state_).message; }

 private:
  std::variant<T, ConfigError> state_;
};

// A listener or advertised address. IPv6 hosts are kept without brackets.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  // "host:port", or "[v6]:port" when the host is an IPv6 address.
  std::string to_string() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Parses "host:port" or "[ipv6]:port"; port 0..65535 (0 = any free port).
// The host is a DNS name or an IP literal; an unbracketed IPv6 literal is
// refused because its last colon is ambiguous. The error says only why
// ("expected host:port"); callers say where the text came from.
ConfigResult<HostPort> parse_host_port(std::string_view text);

// Whether host is an unspecified address (0.0.0.0, ::, or a spelling of them)
// that listens everywhere but means nothing to a client.
bool is_wildcard_host(std::string_view host);

// Which layer set a broker-level Kafka setting; DescribeConfigs reports it.
enum class SettingSource { kDefault, kFile, kEnv, kFlag };
std::string_view setting_source_name(SettingSource source);  // "default", "file", "env", "flag"

struct ServeConfig {
  int32_t node_id = 0;
  std::string data_dir = "./runnel-data";
  HostPort kafka_addr{"127.0.0.1", 9092};
  // Resolved by the loader: the listen address, or this host's name for a
  // wildcard listener; never a wildcard. Port 0 means "the port the Kafka
  // listener actually bound" (only when that listener asked for port 0).
  HostPort advertise_kafka_addr;
  HostPort admin_addr{"127.0.0.1", 9644};
  unsigned smp = 0;  // shards; resolved by the loader to the CPU count when not given
  // A level for everything and/or per-subsystem levels: "info",
  // "kafka=debug,storage=info", "warn,kafka=debug" (see app/logging.h).
  std::string log_level = "info";
  bool dev_mode = true;
  // Broker-level Kafka settings by Kafka's own name ("log.retention.ms") and
  // the layer that set each; both maps always have the same keys.
  std::map<std::string, std::string> kafka_settings;
  std::map<std::string, SettingSource> kafka_setting_sources;
  std::string config_file;  // "" when none was read

  friend bool operator==(const ServeConfig&, const ServeConfig&) = default;
};

// Kafka broker settings that duplicate a field above (broker.id and node.id
// are node_id, log.dirs is data_dir, listeners is kafka_addr ...): the field's
// YAML key, or "" for any other name. The loader refuses these as settings so
// one value has one spelling.
std::string_view field_owning_setting(std::string_view kafka_name);

// Bounds the loader enforces.
inline constexpr unsigned kMaxSmp = 1024;
inline constexpr size_t kMaxConfigFileBytes = 1u << 20;

// Flag values exactly as typed; nullopt = the flag was not given. Kept as
// text so the loader's messages are the same for every layer.
struct ServeFlags {
  std::optional<std::string> config_file;  // --config
  std::optional<std::string> node_id;
  std::optional<std::string> data_dir;
  std::optional<std::string> kafka_addr;
  std::optional<std::string> advertise_kafka_addr;
  std::optional<std::string> admin_addr;
  std::optional<std::string> smp;
  std::optional<std::string> log_level;
  std::optional<std::string> dev_mode;  // "true"/"false"/... ; bare --dev-mode gives "true"
  std::vector<std::string> kafka_sets;  // each --set as "name=value", in order
};

// Environment variables by name. A map rather than a lookup function because
// the RUNNEL_KAFKA_* family has to be enumerated. Only RUNNEL_* names are read;
// other RUNNEL_* names the loader does not know (RUNNEL_BIN ...) are ignored.
using Environment = std::map<std::string, std::string>;
Environment process_environment();

// Returns why a broker setting is refused (unknown name, bad value), or
// nullopt to accept it. An empty function accepts everything.
using SettingValidator =
    std::function<std::optional<std::string>(const std::string& name, const std::string& value)>;

// The broker config catalog's checks (cluster/config_catalog.h) as a
// SettingValidator: unknown names and values that don't parse are refused.
SettingValidator catalog_validator();

// The config plus, for each catalog broker setting that no layer set and that
// has a default, that default (SettingSource::kDefault); settings a field owns
// are left to the field. For showing the whole picture (--print-config); the
// broker itself falls back to the catalog on its own.
ServeConfig with_catalog_defaults(ServeConfig config);

// Facts about the machine the defaults depend on.
struct HostFacts {
  std::string hostname;    // advertised for a wildcard listener; "" = unknown
  unsigned cpu_count = 1;  // --smp default
  // gethostname() and the CPUs this process may run on.
  static HostFacts of_this_process();
};

// Loads the configuration. Layers, lowest first: defaults, the YAML file
// (--config, else RUNNEL_CONFIG), the environment, the flags. Every value
// given in any layer is checked, even one a higher layer overrides. Errors
// name the origin and value: `--kafka-addr "foo": expected host:port`,
// `RUNNEL_SMP "0": must be between 1 and 1024`, `runnel.yaml:4: smp "0": ...`.
//
// The file takes the shape to_yaml prints: keys node_id, data_dir, kafka_addr,
// advertise_kafka_addr, admin_addr, smp, log_level, dev_mode, and `kafka:`, a
// map of broker settings. Environment: RUNNEL_NODE_ID, RUNNEL_DATA_DIR, ...
// (the key upper-cased), and RUNNEL_KAFKA_<NAME> for setting name.with.dots
// (RUNNEL_KAFKA_ADDR is the listener, not a setting).
ConfigResult<ServeConfig> load_serve_config(const ServeFlags& flags, const Environment& env,
                                            const SettingValidator& validate, const HostFacts& host);

// The configuration as a YAML document of the file's shape, every field
// included; loading it back as a file yields the same config (but for
// config_file, which it names in a comment).
std::string to_yaml(const ServeConfig& config);

}  // namespace runnel::app
