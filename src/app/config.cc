#include "app/config.h"

#include <arpa/inet.h>
#include <sched.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <thread>

#include "app/logging.h"
#include "cluster/config_catalog.h"

extern char** environ;  // NOLINT: POSIX declares it nowhere in C++ headers

namespace runnel::app {

namespace {

using Why = std::optional<std::string>;  // nullopt = accepted

// A value quoted for a one-line message: escapes keep it on one line, and a
// huge value (an environment variable can be megabytes) is cut.
std::string quote(std::string_view text) {
  constexpr size_t kMaxShown = 120;
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == kMaxShown) {
      out += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      std::array<char, 8> buf{};
      std::snprintf(buf.data(), buf.size(), "\\x%02x", c);
      out += buf.data();
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Plain decimal digits only: no sign, no spaces, no hex. nullopt on overflow.
std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string t = lower(text);
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

bool parse_ipv4(std::string_view text, in_addr* out) {
  std::string s(text);
  return inet_pton(AF_INET, s.c_str(), out) == 1;
}

// An IPv6 literal, optionally with a zone ("fe80::1%eth0").
bool parse_ipv6(std::string_view text, in6_addr* out) {
  size_t percent = text.find('%');
  if (percent != std::string_view::npos) {
    std::string_view zone = text.substr(percent + 1);
    if (zone.empty() || !std::all_of(zone.begin(), zone.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        })) {
      return false;
    }
    text = text.substr(0, percent);
  }
  std::string s(text);
  return inet_pton(AF_INET6, s.c_str(), out) == 1;
}

// A DNS name (letters, digits, '-', '_', dots between non-empty labels, one
// trailing dot allowed) or a dotted IPv4 address.
bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  bool numeric = true;
  char previous = '.';
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.') {
      if (previous == '.') return false;  // empty label, or a leading dot
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (!std::isdigit(static_cast<unsigned char>(c))) numeric = false;
    } else {
      return false;
    }
    previous = c;
  }
  if (numeric) {
    in_addr ignored{};
    return parse_ipv4(host, &ignored);
  }
  return true;
}

// ---- fields -----------------------------------------------------------------

// Applies one textual value to the config, or says why it is refused.
using Apply = Why (*)(ServeConfig&, const std::string&);

Why apply_node_id(ServeConfig& config, const std::string& text) {
  auto value = parse_decimal(text);
  if (!value || *value > static_cast<uint64_t>(INT32_MAX))
    return "must be a whole number from 0 to 2147483647";
  config.node_id = static_cast<int32_t>(*value);
  return std::nullopt;
}

Why apply_data_dir(ServeConfig& config, const std::string& text) {
  if (text.empty()) return "must not be empty";
  if (text.find('\0') != std::string::npos) return "must not contain a NUL character";
  config.data_dir = text;
  return std::nullopt;
}

Why apply_address(HostPort& target, const std::string& text) {
  auto parsed = parse_host_port(text);
  if (!parsed.ok()) return parsed.error();
  target = std::move(parsed).value();
  return std::nullopt;
}

Why apply_kafka_addr(ServeConfig& config, const std::string& text) {
  return apply_address(config.kafka_addr, text);
}

Why apply_advertise(ServeConfig& config, const std::string& text) {
  auto parsed = parse_host_port(text);
  if (!parsed.ok()) return parsed.error();
  if (is_wildcard_host(parsed->host)) {
    return "a wildcard address means nothing to a client; advertise a name or address clients can reach";
  }
  config.advertise_kafka_addr = std::move(parsed).value();
  return std::nullopt;
}

Why apply_admin_addr(ServeConfig& config, const std::string& text) {
  return apply_address(config.admin_addr, text);
}

Why apply_smp(ServeConfig& config, const std::string& text) {
  auto value = parse_decimal(text);
  if (!value || *value < 1 || *value > kMaxSmp)
    return "must be a whole number from 1 to " + std::to_string(kMaxSmp);
  config.smp = static_cast<unsigned>(*value);
  return std::nullopt;
}

Why apply_log_level(ServeConfig& config, const std::string& text) {
  std::string spec = lower(text);
  std::erase_if(spec, [](char c) { return c == ' ' || c == '\t'; });
  std::string why;
  if (!parse_log_levels(spec, &why)) {
    return why +
           ": expected one of trace, debug, info, warn, error, off, optionally per subsystem "
           "(kafka, storage, cluster, http, app) as in \"info,kafka=debug\"";
  }
  config.log_level = spec;
  return std::nullopt;
}

Why apply_dev_mode(ServeConfig& config, const std::string& text) {
  auto value = parse_bool(text);
  if (!value) return "must be true or false";
  config.dev_mode = *value;
  return std::nullopt;
}

struct Field {
  std::string_view key;   // in the YAML file
  std::string_view env;   // RUNNEL_<KEY>
  std::string_view flag;  // --key-with-dashes
  std::optional<std::string> ServeFlags::*flag_value;
  Apply apply;
};

constexpr std::array<Field, 8> kFields{{
    {"node_id", "RUNNEL_NODE_ID", "--node-id", &ServeFlags::node_id, apply_node_id},
    {"data_dir", "RUNNEL_DATA_DIR", "--data-dir", &ServeFlags::data_dir, apply_data_dir},
    {"kafka_addr", "RUNNEL_KAFKA_ADDR", "--kafka-addr", &ServeFlags::kafka_addr, apply_kafka_addr},
    {"advertise_kafka_addr", "RUNNEL_ADVERTISE_KAFKA_ADDR", "--advertise-kafka-addr",
     &ServeFlags::advertise_kafka_addr, apply_advertise},
    {"admin_addr", "RUNNEL_ADMIN_ADDR", "--admin-addr", &ServeFlags::admin_addr, apply_admin_addr},
    {"smp", "RUNNEL_SMP", "--smp", &ServeFlags::smp, apply_smp},
    {"log_level", "RUNNEL_LOG_LEVEL", "--log-level", &ServeFlags::log_level, apply_log_level},
    {"dev_mode", "RUNNEL_DEV_MODE", "--dev-mode", &ServeFlags::dev_mode, apply_dev_mode},
}};

constexpr std::string_view kKafkaKey = "kafka";
constexpr std::string_view kKafkaEnvPrefix = "RUNNEL_KAFKA_";
constexpr std::string_view kConfigEnv = "RUNNEL_CONFIG";

const Field* find_field(std::string_view key) {
  for (const Field& field : kFields) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

struct OwnedSetting {
  std::string_view kafka_name;
  std::string_view key;
};

constexpr std::array<OwnedSetting, 6> kOwnedSettings{{
    {"broker.id", "node_id"},
    {"node.id", "node_id"},
    {"log.dirs", "data_dir"},
    {"log.dir", "data_dir"},
    {"listeners", "kafka_addr"},
    {"advertised.listeners", "advertise_kafka_addr"},
}};

std::string known_keys() {
  std::string out;
  for (const Field& field : kFields) out.append(field.key).append(", ");
  return out.append(kKafkaKey);
}

// ---- the loader -------------------------------------------------------------

class Loader {
 public:
  explicit Loader(const SettingValidator& validate) : validate_(validate) {}

  Why apply_field(const Field& field, const std::string& text, std::string where) {
    if (Why why = field.apply(config_, text)) return where + " " + quote(text) + ": " + *why;
    origin_[field.key] = std::move(where);
    return std::nullopt;
  }

  Why apply_setting(const std::string& name, const std::string& value, SettingSource source,
                    const std::string& where) {
    if (name.empty()) return where + " " + quote(value) + ": no setting name";
    if (std::string_view key = field_owning_setting(name); !key.empty()) {
      const Field* field = find_field(key);
      return where + " " + quote(value) + ": set " + std::string(key) + " instead (" +
             std::string(field->flag) + ", " + std::string(field->env) + ")";
    }
    if (validate_) {
      if (Why why = validate_(name, value)) return where + " " + quote(value) + ": " + *why;
    }
    config_.kafka_settings[name] = value;
    config_.kafka_setting_sources[name] = source;
    return std::nullopt;
  }

  Why file(const std::string& path, const std::string& where);
  Why environment(const Environment& env);
  Why flags(const ServeFlags& flags);
  Why resolve(const HostFacts& host);

  ServeConfig& config() { return config_; }

 private:
  std::string origin_of(std::string_view key) const {
    auto it = origin_.find(key);
    return it == origin_.end() ? std::string(key) + " (default)" : it->second;
  }
  Why file_node(const std::string& path, const YAML::Node& root);
  Why file_kafka(const std::string& path, const YAML::Node& node);

  const SettingValidator& validate_;
  ServeConfig config_;
  std::map<std::string_view, std::string> origin_;  // field key -> where its value came from
};

// Reads a whole file of at most kMaxConfigFileBytes.
Why read_file(const std::string& path, std::string& out) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return std::string("cannot open it: ") + std::strerror(errno);
  std::array<char, 16384> buf{};
  for (;;) {
    size_t n = std::fread(buf.data(), 1, buf.size(), file.get());
    out.append(buf.data(), n);
    if (out.size() > kMaxConfigFileBytes) {
      return "larger than " + std::to_string(kMaxConfigFileBytes) + " bytes; is it the right file?";
    }
    if (n < buf.size()) {
      if (std::ferror(file.get())) return std::string("cannot read it: ") + std::strerror(errno);
      return std::nullopt;
    }
  }
}

std::string at(const std::string& path, const YAML::Mark& mark) {
  if (mark.is_null()) return path;
  return path + ":" + std::to_string(mark.line + 1);
}

// A scalar's text, or why the node is not one.
Why scalar_text(const YAML::Node& node, std::string& out) {
  if (node.IsNull()) return std::string("has no value");
  if (!node.IsScalar()) return std::string("expected a single value, not a list or map");
  out = node.Scalar();
  return std::nullopt;
}

Why Loader::file(const std::string& path, const std::string& where) {
  std::string text;
  if (Why why = read_file(path, text)) return where + " " + quote(path) + ": " + *why;
  config_.config_file = path;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp words this one "bad file", which would send the reader looking elsewhere.
    return path + ": YAML syntax error: nested " + std::to_string(e.depth()) + " or more levels deep";
  } catch (const YAML::Exception& e) {
    std::string location = path;
    if (!e.mark.is_null()) {
      location += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return location + ": YAML syntax error: " + e.msg;
  }
  try {
    return file_node(path, root);
  } catch (const YAML::Exception& e) {
    // Accessors only throw on misuse; keep that a clean start-up error too.
    return at(path, e.mark) + ": " + e.msg;
  }
}

Why Loader::file_node(const std::string& path, const YAML::Node& root) {
  if (root.IsNull()) return std::nullopt;  // an empty file: all defaults
  if (!root.IsMap())
    return at(path, root.Mark()) + ": expected a map of settings (key: value) at the top level";
  std::set<std::string> seen;
  for (const auto& entry : root) {
    // Copies: yaml-cpp iterators hand out temporaries.
    const YAML::Node key_node = entry.first;
    const YAML::Node value = entry.second;
    if (!key_node.IsScalar()) return at(path, key_node.Mark()) + ": expected a key name";
    const std::string& key = key_node.Scalar();
    std::string where = at(path, key_node.Mark()) + ": " + key;
    if (!seen.insert(key).second) return where + ": given twice";
    if (key == kKafkaKey) {
      if (value.IsNull()) continue;
      if (!value.IsMap()) return where + ": expected a map of Kafka broker settings (name: value)";
      if (Why why = file_kafka(path, value)) return why;
      continue;
    }
    const Field* field = find_field(key);
    if (field == nullptr)
      return at(path, key_node.Mark()) + ": unknown key " + quote(key) + " (known: " + known_keys() + ")";
    std::string text;
    if (Why why = scalar_text(value, text)) return where + ": " + *why;
    if (Why why = apply_field(*field, text, where)) return why;
  }
  return std::nullopt;
}

Why Loader::file_kafka(const std::string& path, const YAML::Node& node) {
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const YAML::Node key_node = entry.first;
    if (!key_node.IsScalar()) return at(path, key_node.Mark()) + ": kafka: expected a setting name";
    const std::string& name = key_node.Scalar();
    std::string where = at(path, key_node.Mark()) + ": kafka." + name;
    if (!seen.insert(name).second) return where + ": given twice";
    std::string value;
    if (Why why = scalar_text(entry.second, value)) return where + ": " + *why;
    if (Why why = apply_setting(name, value, SettingSource::kFile, where)) return why;
  }
  return std::nullopt;
}

Why Loader::environment(const Environment& env) {
  for (const Field& field : kFields) {
    auto it = env.find(std::string(field.env));
    if (it == env.end()) continue;
    if (Why why = apply_field(field, it->second, std::string(field.env))) return why;
  }
  for (const auto& [var, value] : env) {
    if (!var.starts_with(kKafkaEnvPrefix) || var == "RUNNEL_KAFKA_ADDR") continue;
    // Kafka's names are lower case with dots; the variable spells dots as underscores.
    std::string name = lower(std::string_view(var).substr(kKafkaEnvPrefix.size()));
    std::replace(name.begin(), name.end(), '_', '.');
    std::string where = var + (name.empty() ? std::string() : " (" + name + ")");
    if (Why why = apply_setting(name, value, SettingSource::kEnv, where)) return why;
  }
  return std::nullopt;
}

Why Loader::flags(const ServeFlags& flags) {
  for (const Field& field : kFields) {
    const std::optional<std::string>& value = flags.*field.flag_value;
    if (!value) continue;
    if (Why why = apply_field(field, *value, std::string(field.flag))) return why;
  }
  for (const std::string& assignment : flags.kafka_sets) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) return "--set " + quote(assignment) + ": expected name=value";
    std::string name = assignment.substr(0, eq);
    if (Why why = apply_setting(name, assignment.substr(eq + 1), SettingSource::kFlag, "--set " + name))
      return why;
  }
  return std::nullopt;
}

Why Loader::resolve(const HostFacts& host) {
  if (config_.smp == 0) config_.smp = std::clamp(host.cpu_count, 1u, kMaxSmp);

  HostPort& advertise = config_.advertise_kafka_addr;
  if (advertise.host.empty()) {
    advertise = config_.kafka_addr;
    if (is_wildcard_host(config_.kafka_addr.host)) {
      if (host.hostname.empty()) {
        return origin_of("kafka_addr") + " " + quote(config_.kafka_addr.to_string()) +
               ": listens on every interface but this host's name is unknown; set --advertise-kafka-addr";
      }
      advertise.host = host.hostname;
    }
  } else if (advertise.port == 0) {
    advertise.port = config_.kafka_addr.port;  // "advertise the listener's port"
  }

  if (config_.admin_addr.port != 0 && config_.admin_addr == config_.kafka_addr) {
    return origin_of("admin_addr") + " " + quote(config_.admin_addr.to_string()) +
           ": the Kafka listener already uses this address";
  }
  return std::nullopt;
}

}  // namespace

// ---- public -----------------------------------------------------------------

std::string HostPort::to_string() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return out.append(":").append(std::to_string(port));
}

ConfigResult<HostPort> parse_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return ConfigError{"expected [ipv6]:port (no closing bracket)"};
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return ConfigError{"expected [ipv6]:port"};
    port_text = rest.substr(1);
    in6_addr ignored{};
    if (!parse_ipv6(host, &ignored))
      return ConfigError{"expected [ipv6]:port (not an IPv6 address in the brackets)"};
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return ConfigError{"expected host:port"};
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return ConfigError{"expected host:port; an IPv6 address needs brackets, e.g. [::1]:9092"};
    }
    if (host.empty()) return ConfigError{"expected host:port (the host is missing)"};
    if (!valid_host_name(host))
      return ConfigError{"expected host:port (not a valid host name or IPv4 address)"};
  }
  if (port_text.empty()) return ConfigError{"expected host:port (the port is missing)"};
  auto port = parse_decimal(port_text);
  if (!port || *port > 65535) return ConfigError{"the port must be a number from 0 to 65535"};
  return HostPort{std::string(host), static_cast<uint16_t>(*port)};
}

std::string_view field_owning_setting(std::string_view kafka_name) {
  for (const OwnedSetting& owned : kOwnedSettings) {
    if (owned.kafka_name == kafka_name) return owned.key;
  }
  return {};
}

bool is_wildcard_host(std::string_view host) {
  in_addr v4{};
  if (parse_ipv4(host, &v4)) return v4.s_addr == 0;
  in6_addr v6{};
  if (parse_ipv6(host, &v6)) {
    return std::all_of(std::begin(v6.s6_addr), std::end(v6.s6_addr), [](uint8_t b) { return b == 0; });
  }
  return false;
}

std::string_view setting_source_name(SettingSource source) {
  switch (source) {
    case SettingSource::kDefault:
      return "default";
    case SettingSource::kFile:
      return "file";
    case SettingSource::kEnv:
      return "env";
    case SettingSource::kFlag:
      return "flag";
  }
  return "unknown";
}

SettingValidator catalog_validator() {
  return [](const std::string& name, const std::string& value) {
    return cluster::validate_broker_setting(name, value);
  };
}

ServeConfig with_catalog_defaults(ServeConfig config) {
  for (const cluster::ConfigSpec& spec : cluster::broker_config_specs()) {
    // No default: Kafka reports null, which a YAML value can't carry as text.
    if (!spec.default_value || !field_owning_setting(spec.name).empty()) continue;
    std::string name(spec.name);
    if (config.kafka_settings.contains(name)) continue;
    config.kafka_settings.emplace(name, std::string(*spec.default_value));
    config.kafka_setting_sources.emplace(name, SettingSource::kDefault);
  }
  return config;
}

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (!text.starts_with("RUNNEL_")) continue;
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

HostFacts HostFacts::of_this_process() {
  HostFacts facts;
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) == 0) facts.hostname = name.data();
  // The CPUs this process may run on (taskset, cpusets), not every CPU in the box.
  cpu_set_t set;
  CPU_ZERO(&set);
  int count = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
  if (count <= 0) count = static_cast<int>(std::thread::hardware_concurrency());
  facts.cpu_count = count > 0 ? static_cast<unsigned>(count) : 1u;
  return facts;
}

ConfigResult<ServeConfig> load_serve_config(const ServeFlags& flags, const Environment& env,
                                            const SettingValidator& validate, const HostFacts& host) {
  Loader loader(validate);
  std::optional<std::string> path;
  std::string path_where;
  if (flags.config_file) {
    path = flags.config_file;
    path_where = "--config";
  } else if (auto it = env.find(std::string(kConfigEnv)); it != env.end()) {
    path = it->second;
    path_where = std::string(kConfigEnv);
  }
  if (path) {
    if (path->empty()) return ConfigError{path_where + " \"\": names no file"};
    if (Why why = loader.file(*path, path_where)) return ConfigError{*why};
  }
  if (Why why = loader.environment(env)) return ConfigError{*why};
  if (Why why = loader.flags(flags)) return ConfigError{*why};
  if (Why why = loader.resolve(host)) return ConfigError{*why};
  return std::move(loader.config());
}

std::string to_yaml(const ServeConfig& config) {
  YAML::Emitter out;
  out << YAML::Comment("runnel serve: effective configuration" +
                       (config.config_file.empty() ? std::string() : " (file: " + config.config_file + ")"));
  out << YAML::BeginMap;
  out << YAML::Key << "node_id" << YAML::Value << config.node_id;
  out << YAML::Key << "data_dir" << YAML::Value << config.data_dir;
  out << YAML::Key << "kafka_addr" << YAML::Value << config.kafka_addr.to_string();
  // Unresolved (hand-built) configs leave these out so the output still loads.
  if (!config.advertise_kafka_addr.host.empty()) {
    out << YAML::Key << "advertise_kafka_addr" << YAML::Value << config.advertise_kafka_addr.to_string();
  }
  out << YAML::Key << "admin_addr" << YAML::Value << config.admin_addr.to_string();
  if (config.smp != 0) out << YAML::Key << "smp" << YAML::Value << config.smp;
  out << YAML::Key << "log_level" << YAML::Value << config.log_level;
  out << YAML::Key << "dev_mode" << YAML::Value << config.dev_mode;
  out << YAML::Key << std::string(kKafkaKey) << YAML::Value;
  if (config.kafka_settings.empty()) {
    out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  } else {
    out << YAML::BeginMap;
    for (const auto& [name, value] : config.kafka_settings) {
      out << YAML::Key << name << YAML::Value << value;
      auto source = config.kafka_setting_sources.find(name);
      if (source != config.kafka_setting_sources.end()) {
        out << YAML::Comment(std::string(setting_source_name(source->second)));
      }
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  std::string text = out.c_str();
  text += '\n';
  return text;
}

}  // namespace runnel::app
