// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. Topic configs
// resolve through the cluster config catalog (override, broker setting,
// default); changes go to the topic controller on shard 0, which persists
// them and republishes the metadata image so partitions pick them up.
// Broker configs are static: described, never altered.
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/config_catalog.h"
#include "cluster/topic_config.h"
#include "cluster/topic_name.h"
#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "cluster/topic_table.h"
#include "kafka/topic_controller.h"
#include "protocol/kafka/generated/alter_configs.h"
#include "protocol/kafka/generated/describe_configs.h"
#include "protocol/kafka/generated/incremental_alter_configs.h"

namespace runnel::kafka {

namespace {

// ConfigResource.Type ids on the wire.
constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kBrokerLoggerResource = 8;

// IncrementalAlterConfigs' config_operation.
constexpr int8_t kOpSet = 0;
constexpr int8_t kOpDelete = 1;
constexpr int8_t kOpAppend = 2;
constexpr int8_t kOpSubtract = 3;

// A resource's outcome: kNone, or an error with a message for the client.
struct Verdict {
  ErrorCode error = ErrorCode::kNone;
  std::string message;

  bool ok() const { return error == ErrorCode::kNone; }
  static Verdict fail(ErrorCode e, std::string why) { return Verdict{e, std::move(why)}; }
};

std::optional<std::string> null_if_empty(const std::string& message) {
  if (message.empty()) return std::nullopt;
  return message;
}

std::string int_text(int64_t n) { return std::to_string(n); }

// Why `name` does not name this node as a broker resource, or nullopt.
// The empty name (cluster-wide defaults) is the caller's to handle.
std::optional<std::string> broker_name_problem(const std::string& name, int32_t node_id) {
  int32_t id = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || end != name.data() + name.size() || name.empty()) {
    std::string why = "Broker id must be an integer, but it is: ";
    return why.append(name);
  }
  if (id != node_id) {
    std::string why = "Unexpected broker id, expected ";
    why.append(int_text(node_id)).append(" or empty string, but received ").append(name);
    return why;
  }
  return std::nullopt;
}

// A topic named by an alter request must be legal, not the "default topic"
// (empty name) and exist.
Verdict check_topic_to_alter(const MetadataImage& image, const std::string& name) {
  if (name.empty()) return Verdict::fail(ErrorCode::kInvalidRequest, "Default topic resources are not allowed.");
  if (auto problem = cluster::topic_name_problem(name)) return Verdict::fail(ErrorCode::kInvalidTopicException, *problem);
  if (image.find(name) == nullptr) {
    std::string why = "The topic '";
    return Verdict::fail(ErrorCode::kUnknownTopicOrPartition, why.append(name).append("' does not exist."));
  }
  return {};
}

// Broker configs are fixed at start-up (file, environment, flags). An empty
// change set alters nothing, so it succeeds, as it would on Kafka.
Verdict check_broker_alter(const std::string& name, int32_t node_id, bool has_changes) {
  if (!name.empty()) {
    if (auto problem = broker_name_problem(name, node_id)) return Verdict::fail(ErrorCode::kInvalidRequest, *problem);
  }
  if (!has_changes) return {};
  return Verdict::fail(ErrorCode::kInvalidRequest,
                       "Broker configs cannot be changed at runtime yet: set them in the config file, environment or "
                       "flags and restart");
}

std::string unknown_resource_type(int8_t type) {
  std::string why = "Unknown resource type ";
  return why.append(int_text(type));
}

// Each (type, name) pair must appear once per request; every copy of a
// repeated one fails.
template <typename Resource>
std::set<std::pair<int8_t, std::string>> repeated_resources(const std::vector<Resource>& resources) {
  std::map<std::pair<int8_t, std::string>, int> seen;
  for (const Resource& r : resources) ++seen[{r.resource_type, r.resource_name}];
  std::set<std::pair<int8_t, std::string>> out;
  for (const auto& [key, count] : seen) {
    if (count > 1) out.insert(key);
  }
  return out;
}

template <typename Config>
bool has_duplicate_names(const std::vector<Config>& configs) {
  std::set<std::string_view> names;
  for (const Config& c : configs) {
    if (!names.insert(c.name).second) return true;
  }
  return false;
}

// Kafka's wording for values that are null where one is needed.
std::optional<std::string> null_values_problem(const std::vector<std::string>& names) {
  if (names.empty()) return std::nullopt;
  std::string why = "Null value not supported for : ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) why.append(", ");
    why.append(names[i]);
  }
  return why;
}

// Persists a topic's complete override set through the controller.
Task<Verdict> store_topic_configs(Broker& broker, std::string name, std::map<std::string, std::string> configs,
                                  bool validate_only) {
  auto apply = [name = std::move(name), configs = std::move(configs), validate_only](TopicController& c) {
    return c.set_configs(name, configs, validate_only);
  };
  TopicOutcome outcome = co_await broker.on_controller<TopicOutcome>(apply);
  co_return Verdict{outcome.error, std::move(outcome.message)};
}

// ---- DescribeConfigs -------------------------------------------------------

struct DescribeOptions {
  bool include_synonyms = false;
  bool include_documentation = false;
  // nullopt: every config; otherwise only the names listed.
  std::optional<std::set<std::string, std::less<>>> keys;

  bool wanted(std::string_view name) const { return !keys || keys->count(name) > 0; }
};

DescribeConfigsResponse::DescribeConfigsResourceResult describe_entry(const cluster::ResolvedConfig& entry,
                                                                      bool read_only, const DescribeOptions& options) {
  const cluster::ConfigSpec& spec = *entry.spec;
  // Kafka never sends a password's value back, nor its synonyms' values.
  const bool sensitive = spec.type == cluster::ConfigType::kPassword;
  DescribeConfigsResponse::DescribeConfigsResourceResult out;
  out.name = std::string(spec.name);
  out.value = sensitive ? std::nullopt : entry.value;
  out.read_only = read_only;
  out.is_default = entry.source == cluster::ConfigSource::kDefault;
  out.config_source = static_cast<int8_t>(entry.source);
  out.is_sensitive = sensitive;
  if (options.include_synonyms) {
    for (const cluster::ConfigSynonym& synonym : entry.synonyms) {
      auto& s = out.synonyms.emplace_back();
      s.name = synonym.name;
      s.value = sensitive ? std::nullopt : synonym.value;
      s.source = static_cast<int8_t>(synonym.source);
    }
  }
  // The catalog's ConfigType uses Kafka's ConfigType ids.
  out.config_type = static_cast<int8_t>(spec.type);
  if (options.include_documentation) {
    out.documentation = std::string(spec.doc);
  } else {
    out.documentation = std::nullopt;
  }
  return out;
}

void describe_entries(const std::vector<cluster::ResolvedConfig>& entries, bool read_only,
                      const DescribeOptions& options, DescribeConfigsResponse::DescribeConfigsResult& result) {
  for (const cluster::ResolvedConfig& entry : entries) {
    if (options.wanted(entry.spec->name)) result.configs.push_back(describe_entry(entry, read_only, options));
  }
}

Verdict describe_topic(Broker& broker, const std::string& name, const DescribeOptions& options,
                       DescribeConfigsResponse::DescribeConfigsResult& result) {
  if (auto problem = cluster::topic_name_problem(name)) return Verdict::fail(ErrorCode::kInvalidTopicException, *problem);
  const TopicImage* topic = broker.metadata().find(name);
  if (topic == nullptr) {
    std::string why = "The topic '";
    return Verdict::fail(ErrorCode::kUnknownTopicOrPartition, why.append(name).append("' does not exist."));
  }
  cluster::ResolvedTopicConfig resolved = cluster::resolve_topic_config(topic->configs, broker.settings());
  describe_entries(resolved.entries, false, options, result);
  return {};
}

Verdict describe_broker(Broker& broker, const std::string& name, const DescribeOptions& options,
                        DescribeConfigsResponse::DescribeConfigsResult& result) {
  // The empty name asks for the cluster-wide dynamic broker defaults, as on
  // Kafka; Runnel has no dynamic broker configs, so there are none to list.
  if (name.empty()) return {};
  if (auto problem = broker_name_problem(name, broker.config().node_id)) {
    return Verdict::fail(ErrorCode::kInvalidRequest, *problem);
  }
  // Every broker config is static: read-only at runtime.
  describe_entries(cluster::resolve_broker_config(broker.settings()), true, options, result);
  return {};
}

// ---- IncrementalAlterConfigs -----------------------------------------------

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(items[i]);
  }
  return out;
}

std::string_view op_name(int8_t op) { return op == kOpAppend ? "APPEND" : "SUBTRACT"; }

// Applies one resource's operations to the topic's overrides. APPEND and
// SUBTRACT start from the effective value when the topic has no override
// (so appending "compact" to the default gives "delete,compact").
Verdict apply_operations(const std::vector<IncrementalAlterConfigsRequest::AlterableConfig>& ops,
                         const cluster::ResolvedTopicConfig& effective, std::map<std::string, std::string>& configs) {
  for (const auto& op : ops) {
    const cluster::ConfigSpec* spec = cluster::find_topic_config(op.name);
    if (spec == nullptr) {
      std::string why = "Unknown topic config name: ";
      return Verdict::fail(ErrorCode::kInvalidConfig, why.append(op.name));
    }
    switch (op.config_operation) {
      case kOpSet:
        configs[op.name] = *op.value;
        break;
      case kOpDelete:
        configs.erase(op.name);
        break;
      case kOpAppend:
      case kOpSubtract: {
        if (spec->type != cluster::ConfigType::kList) {
          std::string why = "Cannot ";
          why.append(op_name(op.config_operation)).append(" to ").append(op.name)
              .append(": only LIST configs can be appended to or subtracted from");
          return Verdict::fail(ErrorCode::kInvalidConfig, why);
        }
        std::string current;
        if (auto it = configs.find(op.name); it != configs.end()) {
          current = it->second;
        } else if (auto v = effective.value(op.name)) {
          current = std::string(*v);
        }
        std::vector<std::string> items = cluster::split_config_list(current);
        for (const std::string& item : cluster::split_config_list(*op.value)) {
          if (op.config_operation == kOpAppend) {
            bool present = false;
            for (const std::string& have : items) present |= have == item;
            if (!present) items.push_back(item);
          } else {
            std::erase(items, item);
          }
        }
        configs[op.name] = join_list(items);
        break;
      }
      default: {
        std::string why = "Unknown alter config operation type ";
        return Verdict::fail(ErrorCode::kInvalidRequest, why.append(int_text(op.config_operation)));
      }
    }
    if (op.config_operation != kOpDelete) {
      if (auto problem = cluster::validate_topic_setting(op.name, configs[op.name])) {
        return Verdict::fail(ErrorCode::kInvalidConfig, *problem);
      }
    }
  }
  return {};
}

}  // namespace

Task<HandlerResult> handle_describe_configs(RequestContext& ctx, std::span<uint8_t> body) {
  DescribeConfigsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  DescribeConfigsResponse response;
  for (const auto& resource : request.resources) {
    auto& result = response.results.emplace_back();
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    result.error_message = std::nullopt;
    DescribeOptions options;
    // v0 has neither flag: no synonyms, no documentation (the decoder
    // leaves them false).
    options.include_synonyms = request.include_synonyms;
    options.include_documentation = request.include_documentation;
    // Null or empty: every config.
    if (resource.configuration_keys && !resource.configuration_keys->empty()) {
      options.keys.emplace(resource.configuration_keys->begin(), resource.configuration_keys->end());
    }
    Verdict verdict;
    switch (resource.resource_type) {
      case kTopicResource:
        verdict = describe_topic(broker, resource.resource_name, options, result);
        break;
      case kBrokerResource:
        verdict = describe_broker(broker, resource.resource_name, options, result);
        break;
      default: {
        std::string why = "Unsupported resource type: ";
        verdict = Verdict::fail(ErrorCode::kInvalidRequest, why.append(int_text(resource.resource_type)));
        break;
      }
    }
    if (!verdict.ok()) {
      result.configs.clear();
      result.error_code = code(verdict.error);
      result.error_message = null_if_empty(verdict.message);
    }
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_alter_configs(RequestContext& ctx, std::span<uint8_t> body) {
  AlterConfigsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const auto repeated = repeated_resources(request.resources);
  AlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    auto& result = response.responses.emplace_back();
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    Verdict verdict;
    std::vector<std::string> nulls;
    for (const auto& c : resource.configs) {
      if (!c.value) nulls.push_back(c.name);
    }
    if (repeated.count({resource.resource_type, resource.resource_name})) {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, "Each resource must appear at most once.");
    } else if (has_duplicate_names(resource.configs)) {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, "Error due to duplicate config keys");
    } else if (auto problem = null_values_problem(nulls)) {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, *problem);
    } else if (resource.resource_type == kTopicResource) {
      // The legacy API replaces the topic's whole override set: configs not
      // named go back to their defaults.
      std::shared_ptr<const MetadataImage> image = broker.local().metadata;
      verdict = check_topic_to_alter(*image, resource.resource_name);
      std::map<std::string, std::string> configs;
      for (const auto& c : resource.configs) {
        if (!verdict.ok()) break;
        if (auto problem = cluster::validate_topic_setting(c.name, *c.value)) {
          verdict = Verdict::fail(ErrorCode::kInvalidConfig, *problem);
        } else {
          configs[c.name] = *c.value;
        }
      }
      if (verdict.ok()) {
        verdict = co_await store_topic_configs(broker, resource.resource_name, std::move(configs),
                                               request.validate_only);
      }
    } else if (resource.resource_type == kBrokerResource) {
      verdict = check_broker_alter(resource.resource_name, broker.config().node_id, !resource.configs.empty());
    } else {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, unknown_resource_type(resource.resource_type));
    }
    result.error_code = code(verdict.error);
    result.error_message = null_if_empty(verdict.message);
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_incremental_alter_configs(RequestContext& ctx, std::span<uint8_t> body) {
  IncrementalAlterConfigsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const auto repeated = repeated_resources(request.resources);
  IncrementalAlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    auto& result = response.responses.emplace_back();
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    Verdict verdict;
    std::vector<std::string> nulls;
    for (const auto& c : resource.configs) {
      if (!c.value && c.config_operation != kOpDelete) nulls.push_back(c.name);
    }
    if (repeated.count({resource.resource_type, resource.resource_name})) {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, "Each resource must appear at most once.");
    } else if (has_duplicate_names(resource.configs)) {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, "Error due to duplicate config keys");
    } else if (auto problem = null_values_problem(nulls)) {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, *problem);
    } else if (resource.resource_type == kTopicResource) {
      std::shared_ptr<const MetadataImage> image = broker.local().metadata;
      verdict = check_topic_to_alter(*image, resource.resource_name);
      if (verdict.ok()) {
        // The operations apply to the controller's current overrides, read
        // and replaced on shard 0 with no suspension between, so concurrent
        // alters of one topic never lose each other's changes.
        auto alter = [&broker, name = resource.resource_name, ops = resource.configs,
                      validate_only = request.validate_only](TopicController& c) -> Task<TopicOutcome> {
          const cluster::TopicInfo* topic = c.find(name);
          if (topic == nullptr) co_return TopicOutcome{ErrorCode::kUnknownTopicOrPartition, "", {}, -1, -1};
          std::map<std::string, std::string> configs = topic->configs;
          cluster::ResolvedTopicConfig effective = cluster::resolve_topic_config(configs, broker.settings());
          Verdict applied = apply_operations(ops, effective, configs);
          if (!applied.ok()) co_return TopicOutcome{applied.error, applied.message, {}, -1, -1};
          co_return co_await c.set_configs(name, std::move(configs), validate_only);
        };
        TopicOutcome outcome = co_await broker.on_controller<TopicOutcome>(alter);
        verdict = Verdict{outcome.error, std::move(outcome.message)};
      }
    } else if (resource.resource_type == kBrokerResource) {
      verdict = check_broker_alter(resource.resource_name, broker.config().node_id, !resource.configs.empty());
    } else if (resource.resource_type == kBrokerLoggerResource) {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, "Broker logger levels cannot be changed through Kafka APIs");
    } else {
      verdict = Verdict::fail(ErrorCode::kInvalidRequest, unknown_resource_type(resource.resource_type));
    }
    result.error_code = code(verdict.error);
    result.error_message = null_if_empty(verdict.message);
  }
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
