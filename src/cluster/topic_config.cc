#include "cluster/topic_config.h"

#include <algorithm>
#include <limits>

namespace runnel::cluster {

namespace {

// A broker setting in canonical form, or nullopt when it is absent or not
// acceptable to its catalog entry. `explicit_only` skips loader defaults.
std::optional<std::string> broker_value(const BrokerSettings& broker, const ConfigSpec& spec, bool explicit_only,
                                        ConfigSource* source) {
  auto it = broker.find(spec.name);
  if (it == broker.end()) return std::nullopt;
  if (explicit_only == (it->second.source == ConfigSource::kDefault)) return std::nullopt;
  ConfigCheck check = check_config_value(spec, it->second.value);
  if (!check.ok()) return std::nullopt;
  if (source != nullptr) *source = it->second.source;
  return std::move(check.value);
}

// The default a broker config contributes: the loader's default if it gave
// one, else the catalog's.
std::optional<std::string> broker_default(const BrokerSettings& broker, const ConfigSpec& spec) {
  if (auto v = broker_value(broker, spec, false, nullptr)) return v;
  if (spec.default_value) return check_config_value(spec, *spec.default_value).value;
  return std::nullopt;
}

// A broker value in the topic's unit (hours -> ms). Negative stays -1, as
// Kafka reads log.retention.hours=-1 as "forever"; overflow saturates.
std::string in_topic_unit(const std::string& value, int64_t unit) {
  if (unit == 1) return value;
  std::optional<int64_t> n = parse_config_long(value);
  if (!n) return value;
  if (*n < 0) return "-1";
  if (*n > std::numeric_limits<int64_t>::max() / unit) return std::to_string(std::numeric_limits<int64_t>::max());
  return std::to_string(*n * unit);
}

int64_t long_value(const ResolvedTopicConfig& resolved, std::string_view name, int64_t fallback) {
  std::optional<std::string_view> v = resolved.value(name);
  if (!v) return fallback;
  return parse_config_long(*v).value_or(fallback);
}

bool bool_value(const ResolvedTopicConfig& resolved, std::string_view name, bool fallback) {
  std::optional<std::string_view> v = resolved.value(name);
  if (!v) return fallback;
  return parse_config_bool(*v).value_or(fallback);
}

bool policy_has(const ResolvedTopicConfig& resolved, std::string_view policy) {
  std::optional<std::string_view> v = resolved.value("cleanup.policy");
  if (!v) return policy == "delete";
  for (const std::string& item : split_config_list(*v)) {
    if (item == policy) return true;
  }
  return false;
}

}  // namespace

BrokerSettings make_broker_settings(const std::map<std::string, std::string>& values,
                                    const std::map<std::string, std::string>& sources) {
  BrokerSettings out;
  for (const auto& [name, value] : values) {
    auto it = sources.find(name);
    bool is_default = it != sources.end() && it->second == "default";
    out[name] = BrokerSetting{value, is_default ? ConfigSource::kDefault : ConfigSource::kStaticBroker};
  }
  return out;
}

const ResolvedConfig* ResolvedTopicConfig::find(std::string_view name) const {
  for (const ResolvedConfig& entry : entries) {
    if (entry.spec->name == name) return &entry;
  }
  return nullptr;
}

std::optional<std::string_view> ResolvedTopicConfig::value(std::string_view name) const {
  const ResolvedConfig* entry = find(name);
  if (entry == nullptr || !entry->value) return std::nullopt;
  return std::string_view(*entry->value);
}

ResolvedTopicConfig resolve_topic_config(const std::map<std::string, std::string>& overrides,
                                         const BrokerSettings& broker) {
  ResolvedTopicConfig out;
  out.entries.reserve(topic_config_specs().size());
  for (const ConfigSpec& spec : topic_config_specs()) {
    ResolvedConfig entry;
    entry.spec = &spec;
    std::optional<std::string> chosen;  // in the topic's unit
    ConfigSource chosen_source = ConfigSource::kDefault;

    if (auto it = overrides.find(std::string(spec.name)); it != overrides.end()) {
      ConfigCheck check = check_config_value(spec, it->second);
      if (check.ok()) {
        entry.synonyms.push_back({std::string(spec.name), check.value, ConfigSource::kTopic});
        chosen = std::move(check.value);
        chosen_source = ConfigSource::kTopic;
      }
    }
    for (const BrokerSynonym& synonym : spec.synonyms) {
      const ConfigSpec* broker_spec = find_broker_config(synonym.name);
      if (broker_spec == nullptr) continue;
      ConfigSource source = ConfigSource::kStaticBroker;
      std::optional<std::string> v = broker_value(broker, *broker_spec, true, &source);
      if (!v) continue;
      if (!chosen) {
        chosen = in_topic_unit(*v, synonym.unit);
        chosen_source = source;
      }
      entry.synonyms.push_back({std::string(synonym.name), std::move(v), source});
    }
    // Kafka names the default after the broker config that supplies it; a
    // topic config with no broker synonym lists no default synonym.
    std::optional<std::string> fallback;
    if (!spec.synonyms.empty()) {
      const BrokerSynonym& primary = spec.synonyms.front();
      if (const ConfigSpec* broker_spec = find_broker_config(primary.name)) {
        if (auto v = broker_default(broker, *broker_spec)) {
          fallback = in_topic_unit(*v, primary.unit);
          entry.synonyms.push_back({std::string(primary.name), std::move(v), ConfigSource::kDefault});
        }
      }
    }
    if (!fallback && spec.default_value) fallback = check_config_value(spec, *spec.default_value).value;
    if (chosen) {
      entry.value = std::move(chosen);
      entry.source = chosen_source;
    } else {
      entry.value = std::move(fallback);
      entry.source = ConfigSource::kDefault;
    }
    out.entries.push_back(std::move(entry));
  }
  if (auto v = broker_setting_value(broker, "log.cleaner.dedupe.buffer.size")) {
    if (auto n = parse_config_long(*v); n && *n > 0) out.cleaner_key_map_bytes = static_cast<uint64_t>(*n);
  }
  return out;
}

std::vector<ResolvedConfig> resolve_broker_config(const BrokerSettings& broker) {
  std::vector<ResolvedConfig> out;
  out.reserve(broker_config_specs().size());
  for (const ConfigSpec& spec : broker_config_specs()) {
    ResolvedConfig entry;
    entry.spec = &spec;
    ConfigSource source = ConfigSource::kStaticBroker;
    std::optional<std::string> set = broker_value(broker, spec, true, &source);
    std::optional<std::string> fallback = broker_default(broker, spec);
    if (set) {
      entry.value = set;
      entry.source = source;
      entry.synonyms.push_back({std::string(spec.name), std::move(set), source});
    } else {
      entry.value = fallback;
      entry.source = ConfigSource::kDefault;
    }
    if (fallback) entry.synonyms.push_back({std::string(spec.name), std::move(fallback), ConfigSource::kDefault});
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<std::string> broker_setting_value(const BrokerSettings& broker, std::string_view name) {
  const ConfigSpec* spec = find_broker_config(name);
  if (spec == nullptr) return std::nullopt;
  if (auto v = broker_value(broker, *spec, true, nullptr)) return v;
  return broker_default(broker, *spec);
}

storage::LogConfig to_log_config(const ResolvedTopicConfig& resolved) {
  storage::LogConfig config;
  config.segment_bytes = static_cast<uint64_t>(
      std::max<int64_t>(1, long_value(resolved, "segment.bytes", static_cast<int64_t>(config.segment_bytes))));
  config.segment_ms = long_value(resolved, "segment.ms", config.segment_ms);
  const bool deletes = policy_has(resolved, "delete");
  const int64_t retention_ms = long_value(resolved, "retention.ms", config.retention_ms);
  const int64_t retention_bytes = long_value(resolved, "retention.bytes", config.retention_bytes);
  config.retention_ms = deletes && retention_ms >= 0 ? retention_ms : -1;
  config.retention_bytes = deletes && retention_bytes >= 0 ? retention_bytes : -1;
  config.log_append_time = resolved.value("message.timestamp.type") == std::optional<std::string_view>("LogAppendTime");
  config.write_caching = bool_value(resolved, "write.caching", config.write_caching);
  config.flush_bytes = static_cast<uint64_t>(
      std::max<int64_t>(1, long_value(resolved, "flush.bytes", static_cast<int64_t>(config.flush_bytes))));
  config.flush_ms = std::max<int64_t>(0, long_value(resolved, "flush.ms", config.flush_ms));
  config.segment.index_interval_bytes = static_cast<size_t>(std::max<int64_t>(
      0, long_value(resolved, "index.interval.bytes", static_cast<int64_t>(config.segment.index_interval_bytes))));
  config.segment.max_index_bytes = static_cast<size_t>(std::max<int64_t>(
      4, long_value(resolved, "segment.index.bytes", static_cast<int64_t>(config.segment.max_index_bytes))));
  return config;
}

TopicPolicy to_topic_policy(const ResolvedTopicConfig& resolved) {
  TopicPolicy policy;
  policy.delete_segments = policy_has(resolved, "delete");
  policy.compact = policy_has(resolved, "compact");
  policy.max_message_bytes = static_cast<size_t>(std::max<int64_t>(
      0, long_value(resolved, "max.message.bytes", static_cast<int64_t>(policy.max_message_bytes))));
  policy.log_append_time = resolved.value("message.timestamp.type") == std::optional<std::string_view>("LogAppendTime");
  std::string_view codec = resolved.value("compression.type").value_or("producer");
  if (codec == "uncompressed") {
    policy.compression = CompressionType::kNone;
  } else if (codec == "gzip") {
    policy.compression = CompressionType::kGzip;
  } else if (codec == "snappy") {
    policy.compression = CompressionType::kSnappy;
  } else if (codec == "lz4") {
    policy.compression = CompressionType::kLz4;
  } else if (codec == "zstd") {
    policy.compression = CompressionType::kZstd;
  }
  policy.min_insync_replicas = static_cast<int32_t>(
      std::clamp<int64_t>(long_value(resolved, "min.insync.replicas", 1), 1, std::numeric_limits<int32_t>::max()));
  policy.compaction.key_map_bytes = static_cast<size_t>(resolved.cleaner_key_map_bytes);
  policy.compaction.delete_retention_ms =
      std::max<int64_t>(0, long_value(resolved, "delete.retention.ms", policy.compaction.delete_retention_ms));
  if (auto v = resolved.value("min.cleanable.dirty.ratio")) {
    if (auto d = parse_config_double(*v)) policy.compaction.min_cleanable_dirty_ratio = *d;
  }
  return policy;
}

}  // namespace runnel::cluster
