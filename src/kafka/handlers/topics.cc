// CreateTopics and DeleteTopics: per-topic validation and errors; the
// change itself is the topic controller's, on shard 0.
#include <map>
#include <set>

#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "kafka/topic_controller.h"
#include "protocol/kafka/generated/create_partitions.h"
#include "protocol/kafka/generated/create_topics.h"
#include "protocol/kafka/generated/delete_topics.h"

namespace runnel::kafka {

namespace {

std::optional<std::string> message_or_null(const std::string& message) {
  if (message.empty()) return std::nullopt;
  return message;
}

// CreateTopics v5+ answers with the new topic's effective configs.
std::vector<CreateTopicsResponse::CreatableTopicConfigs> describe_new_topic_configs(
    const Broker& broker, const std::map<std::string, std::string>& overrides) {
  std::vector<CreateTopicsResponse::CreatableTopicConfigs> out;
  for (const cluster::ResolvedConfig& entry : cluster::resolve_topic_config(overrides, broker.settings()).entries) {
    CreateTopicsResponse::CreatableTopicConfigs c;
    c.name = std::string(entry.spec->name);
    c.value = entry.value;
    c.read_only = false;
    c.config_source = static_cast<int8_t>(entry.source);
    c.is_sensitive = false;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Task<HandlerResult> handle_create_topics(RequestContext& ctx, std::span<uint8_t> body) {
  CreateTopicsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int32_t node_id = broker.config().node_id;

  std::map<std::string, int> seen;
  for (const auto& t : request.topics) ++seen[t.name];

  CreateTopicsResponse response;
  for (const auto& t : request.topics) {
    auto& result = response.topics.emplace_back();
    result.name = t.name;
    result.error_message = std::nullopt;
    auto fail = [&result](ErrorCode e, std::string message) {
      result.error_code = code(e);
      result.error_message = std::move(message);
      result.configs = std::nullopt;
    };
    if (seen[t.name] > 1) {
      std::string why = "Create topics request from client contains multiple entries for topic ";
      fail(ErrorCode::kInvalidRequest, why.append(t.name));
      continue;
    }
    TopicSpec spec;
    spec.name = t.name;
    spec.partitions = t.num_partitions;
    spec.replication_factor = t.replication_factor;
    if (!t.assignments.empty()) {
      if (t.num_partitions != -1 || t.replication_factor != -1) {
        fail(ErrorCode::kInvalidRequest,
             "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the "
             "same time.");
        continue;
      }
      bool valid = true;
      std::set<int32_t> indexes;
      for (const auto& a : t.assignments) {
        indexes.insert(a.partition_index);
        if (a.broker_ids.empty()) valid = false;
        for (int32_t id : a.broker_ids) valid &= id == node_id;
      }
      valid &= indexes.size() == t.assignments.size() && *indexes.begin() == 0 &&
               *indexes.rbegin() == static_cast<int32_t>(t.assignments.size()) - 1;
      if (!valid) {
        fail(ErrorCode::kInvalidReplicaAssignment, "Replica assignments must name this node and cover partitions 0..n-1");
        continue;
      }
      spec.partitions = static_cast<int32_t>(t.assignments.size());
      spec.replication_factor = static_cast<int16_t>(t.assignments.front().broker_ids.size());
    }
    bool bad_config = false;
    for (const auto& c : t.configs) {
      if (!c.value.has_value()) {
        // A null value means "use the default": nothing to store.
        continue;
      }
      if (spec.configs.count(c.name)) bad_config = true;
      spec.configs[c.name] = *c.value;
    }
    if (bad_config) {
      fail(ErrorCode::kInvalidRequest, "A config is given more than once");
      continue;
    }
    auto create = [spec, validate_only = request.validate_only](TopicController& c) {
      return c.create(spec, validate_only);
    };
    TopicOutcome outcome = co_await broker.on_controller<TopicOutcome>(create);
    if (outcome.error != ErrorCode::kNone) {
      fail(outcome.error, outcome.message);
      continue;
    }
    result.topic_id = outcome.id;
    result.num_partitions = outcome.partitions;
    result.replication_factor = outcome.replication_factor;
    result.configs = describe_new_topic_configs(broker, spec.configs);
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_delete_topics(RequestContext& ctx, std::span<uint8_t> body) {
  DeleteTopicsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  DeleteTopicsResponse response;

  // v0-5 name topics in topic_names, v6+ by name or id in topics.
  std::vector<DeleteTopicsRequest::DeleteTopicState> wanted;
  if (ctx.version() < 6) {
    for (const auto& name : request.topic_names) {
      DeleteTopicsRequest::DeleteTopicState s;
      s.name = name;
      wanted.push_back(std::move(s));
    }
  } else {
    wanted = request.topics;
  }
  for (const auto& w : wanted) {
    auto& result = response.responses.emplace_back();
    result.name = w.name;
    result.topic_id = w.topic_id;
    std::string name;
    if (w.name.has_value()) {
      name = *w.name;
      if (!w.topic_id.is_zero()) {
        result.error_code = code(ErrorCode::kInvalidRequest);
        result.error_message = "A topic must be named by name or by id, not both";
        continue;
      }
    } else {
      const TopicImage* topic = broker.metadata().find(w.topic_id);
      if (topic == nullptr) {
        result.error_code = code(ErrorCode::kUnknownTopicId);
        continue;
      }
      name = topic->name;
      result.name = name;
    }
    auto remove = [name](TopicController& c) { return c.remove(name); };
    TopicOutcome outcome = co_await broker.on_controller<TopicOutcome>(remove);
    result.error_code = code(outcome.error);
    result.error_message = message_or_null(outcome.message);
    if (outcome.error == ErrorCode::kNone) result.topic_id = outcome.id;
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_create_partitions(RequestContext& ctx, std::span<uint8_t> body) {
  CreatePartitionsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int32_t node_id = broker.config().node_id;
  std::map<std::string, int> seen;
  for (const auto& t : request.topics) ++seen[t.name];
  CreatePartitionsResponse response;
  for (const auto& t : request.topics) {
    auto& result = response.results.emplace_back();
    result.name = t.name;
    if (seen[t.name] > 1) {
      result.error_code = code(ErrorCode::kInvalidRequest);
      result.error_message = "Duplicate topic in request.";
      continue;
    }
    if (t.assignments.has_value()) {
      bool valid = true;
      for (const auto& a : *t.assignments) {
        if (a.broker_ids.empty()) valid = false;
        for (int32_t id : a.broker_ids) valid &= id == node_id;
      }
      if (!valid) {
        result.error_code = code(ErrorCode::kInvalidReplicaAssignment);
        result.error_message = "Replica assignments must name this node only";
        continue;
      }
    }
    auto grow = [name = t.name, count = t.count, validate_only = request.validate_only](TopicController& c) {
      return c.add_partitions(name, count, validate_only);
    };
    TopicOutcome outcome = co_await broker.on_controller<TopicOutcome>(grow);
    result.error_code = code(outcome.error);
    result.error_message = message_or_null(outcome.message);
  }
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
