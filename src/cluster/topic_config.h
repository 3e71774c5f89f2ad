// Effective configs: every catalog config of a topic (or of the broker)
// resolved to one value with the source and synonym chain DescribeConfigs
// reports, and what those values mean to storage (LogConfig) and to the
// produce path (TopicPolicy). Precedence, as in Kafka: the topic's override,
// then the broker's explicit settings in synonym order, then the default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/config_catalog.h"
#include "protocol/compression.h"
#include "storage/compactor.h"
#include "storage/log.h"

namespace runnel::cluster {

// DescribeConfigs' config_source field.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
  kDynamicBrokerLogger = 6,
};

// A broker setting as the node was started with it: from the config file,
// environment or a flag (kStaticBroker), or a default filled in by the
// loader (kDefault). Settings absent from the map take the catalog default.
struct BrokerSetting {
  std::string value;
  ConfigSource source = ConfigSource::kStaticBroker;
};
using BrokerSettings = std::map<std::string, BrokerSetting, std::less<>>;

// From value and source maps keyed by name, a source being "default" or
// anything else for static (kafka::BrokerConfig's shape).
BrokerSettings make_broker_settings(const std::map<std::string, std::string>& values,
                                    const std::map<std::string, std::string>& sources);

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::kUnknown;
};

struct ResolvedConfig {
  const ConfigSpec* spec = nullptr;   // the catalog entry (static storage)
  std::optional<std::string> value;   // nullopt: null, nothing set and no default
  ConfigSource source = ConfigSource::kDefault;
  // Where the value could come from, the winner first: the topic override,
  // the broker settings in synonym order, the default. Values are as each
  // synonym states them (log.retention.hours=24 stays 24); `value` is in the
  // topic's unit.
  std::vector<ConfigSynonym> synonyms;
};

struct ResolvedTopicConfig {
  std::vector<ResolvedConfig> entries;  // one per topic config, catalog order
  // log.cleaner.dedupe.buffer.size: broker-wide, carried here so a policy
  // can be built from the resolution alone.
  uint64_t cleaner_key_map_bytes = 64ULL << 20;

  const ResolvedConfig* find(std::string_view name) const;
  // The effective value; nullopt for an unknown name or a null value.
  std::optional<std::string_view> value(std::string_view name) const;
};

// Overrides and broker values that fail validation (a setting stored before
// the catalog tightened, a hand-edited file) are skipped as if unset, so a
// topic always resolves to values the catalog accepts.
ResolvedTopicConfig resolve_topic_config(const std::map<std::string, std::string>& overrides,
                                         const BrokerSettings& broker);

// Every broker config, for DescribeConfigs on the broker resource.
std::vector<ResolvedConfig> resolve_broker_config(const BrokerSettings& broker);

// One broker setting's effective value (canonical form): the valid setting,
// else the catalog default; nullopt for an unknown name or a null default.
std::optional<std::string> broker_setting_value(const BrokerSettings& broker, std::string_view name);

// segment.*, retention.* (both -1 unless cleanup.policy includes delete,
// since a compact-only topic never deletes by age or size), flush.*,
// write.caching, message.timestamp.type and the index settings. The open
// segment cache is left for the caller to set.
storage::LogConfig to_log_config(const ResolvedTopicConfig& resolved);

// What the broker reads on produce, and how the topic is cleaned.
struct TopicPolicy {
  bool delete_segments = true;  // cleanup.policy includes delete
  bool compact = false;         // cleanup.policy includes compact: records need keys
  size_t max_message_bytes = 1048588;
  bool log_append_time = false;
  // nullopt for "producer": batches are kept as the client compressed them;
  // CompressionType::kNone for "uncompressed".
  std::optional<CompressionType> compression;
  int32_t min_insync_replicas = 1;
  storage::CompactionConfig compaction;  // delete.retention.ms, min.cleanable.dirty.ratio, key map size
};
TopicPolicy to_topic_policy(const ResolvedTopicConfig& resolved);

}  // namespace runnel::cluster
