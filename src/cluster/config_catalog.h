// The catalog of every topic and broker config Runnel knows: Kafka's name,
// DescribeConfigs type, default, one-line documentation, broker synonyms and a
// validator. A name outside the catalog is refused; a value is accepted only
// if it parses completely as its type and passes the config's own check.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::cluster {

// DescribeConfigs' config_type field.
enum class ConfigType : int8_t {
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kClass = 8,
  kPassword = 9,
};

// "BOOLEAN", "LONG", ... as Kafka's messages spell them.
std::string_view config_type_name(ConfigType type);

// A broker config that supplies a topic config's value when the topic has no
// override. `unit` multiplies the broker value into the topic's unit
// (log.retention.hours -> retention.ms is 3600000).
struct BrokerSynonym {
  std::string_view name{};
  int64_t unit = 1;
};

struct ConfigSpec {
  std::string_view name{};
  ConfigType type = ConfigType::kString;
  std::optional<std::string_view> default_value{};  // nullopt: no default (DescribeConfigs shows null)
  std::string_view doc{};
  // Whether Runnel acts on the value; otherwise it is validated, stored and
  // described back, so tools that set it keep working.
  bool honoured = false;
  // Topic configs only, in precedence order; the first is the one whose
  // default the topic inherits.
  std::span<const BrokerSynonym> synonyms{};
  // Bounds for kInt, kShort and kLong (inclusive).
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  // Bounds for kDouble (inclusive).
  double min_double = -std::numeric_limits<double>::max();
  double max_double = std::numeric_limits<double>::max();
  // kString: the value must be one of these. kList: every element must be.
  std::span<const std::string_view> choices{};
};

// Every topic config, in the order DescribeConfigs lists them.
std::span<const ConfigSpec> topic_config_specs();
// Every broker config, in the order DescribeConfigs lists them.
std::span<const ConfigSpec> broker_config_specs();

// nullptr when the name is not in the catalog.
const ConfigSpec* find_topic_config(std::string_view name);
const ConfigSpec* find_broker_config(std::string_view name);

// The value as Kafka reports it once parsed (" 5" -> "5", "TRUE" -> "true",
// "compact, delete" -> "compact,delete"), or why it is not acceptable, in
// Kafka's words: "Invalid value abc for configuration retention.ms: Not a
// number of type LONG".
struct ConfigCheck {
  std::string value;
  std::optional<std::string> problem;
  bool ok() const { return !problem.has_value(); }
};
ConfigCheck check_config_value(const ConfigSpec& spec, std::string_view value);

// nullopt when the setting is acceptable; otherwise the message for the
// client ("Unknown topic config name: x" for a name outside the catalog).
std::optional<std::string> validate_topic_setting(std::string_view name, std::string_view value);
std::optional<std::string> validate_broker_setting(std::string_view name, std::string_view value);

// Parsers for values that passed validation (they also refuse anything
// else): whole-string numbers after trimming ASCII whitespace, booleans
// without regard to case, lists split on commas with elements trimmed.
std::optional<int64_t> parse_config_long(std::string_view value);
std::optional<double> parse_config_double(std::string_view value);
std::optional<bool> parse_config_bool(std::string_view value);
std::vector<std::string> split_config_list(std::string_view value);

}  // namespace runnel::cluster
