// Metadata: brokers (this node), cluster id, controller, and the topics asked
// for, auto-creating unknown ones when the client and auto.create.topics.enable
// both allow it.
#include "cluster/topic_name.h"
#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "kafka/topic_controller.h"
#include "protocol/kafka/generated/metadata.h"

namespace runnel::kafka {

namespace {

MetadataResponse::MetadataResponseTopic describe_topic(const TopicImage& topic, int32_t node_id) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = topic.name;
  out.topic_id = topic.id;
  out.is_internal = cluster::is_internal_topic(topic.name);
  for (int32_t p = 0; p < topic.partitions; ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    partition.leader_id = node_id;
    partition.leader_epoch = 0;
    partition.replica_nodes = {node_id};
    partition.isr_nodes = {node_id};
    out.partitions.push_back(std::move(partition));
  }
  return out;
}

MetadataResponse::MetadataResponseTopic topic_error(ErrorCode error, std::optional<std::string> name, Uuid id = {}) {
  MetadataResponse::MetadataResponseTopic out;
  out.error_code = code(error);
  out.name = std::move(name);
  out.topic_id = id;
  return out;
}

}  // namespace

Task<HandlerResult> handle_metadata(RequestContext& ctx, std::span<uint8_t> body) {
  MetadataRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int32_t node_id = broker.config().node_id;

  MetadataResponse response;
  MetadataResponse::MetadataResponseBroker self;
  self.node_id = node_id;
  self.host = broker.config().advertised_host;
  self.port = broker.config().advertised_port;
  response.brokers.push_back(self);
  response.controller_id = node_id;

  // v0 asks for every topic with an empty list; later versions with null.
  const bool all_topics = !request.topics.has_value() || (ctx.version() == 0 && request.topics->empty());
  const bool may_create =
      (ctx.version() < 4 || request.allow_auto_topic_creation) && broker.setting_bool("auto.create.topics.enable");

  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  response.cluster_id = image->cluster_id;
  if (all_topics) {
    for (const auto& [name, topic] : image->topics) response.topics.push_back(describe_topic(*topic, node_id));
    co_return encode_response(response, ctx.version());
  }

  for (const auto& wanted : *request.topics) {
    if (!wanted.name.has_value()) {
      const TopicImage* topic = image->find(wanted.topic_id);
      response.topics.push_back(topic ? describe_topic(*topic, node_id)
                                      : topic_error(ErrorCode::kUnknownTopicId, std::nullopt, wanted.topic_id));
      continue;
    }
    const std::string& name = *wanted.name;
    if (const TopicImage* topic = image->find(name)) {
      response.topics.push_back(describe_topic(*topic, node_id));
      continue;
    }
    if (cluster::topic_name_problem(name)) {
      response.topics.push_back(topic_error(ErrorCode::kInvalidTopicException, name));
      continue;
    }
    if (!may_create || cluster::is_internal_topic(name)) {
      response.topics.push_back(topic_error(ErrorCode::kUnknownTopicOrPartition, name));
      continue;
    }
    TopicSpec spec;
    spec.name = name;
    auto create = [spec](TopicController& c) { return c.create(spec, /*validate_only=*/false); };
    TopicOutcome created = co_await broker.on_controller<TopicOutcome>(create);
    // A concurrent creation of the same topic is as good as our own.
    image = broker.local().metadata;
    if (const TopicImage* topic = image->find(name)) {
      response.topics.push_back(describe_topic(*topic, node_id));
    } else {
      response.topics.push_back(topic_error(created.error == ErrorCode::kNone ? ErrorCode::kLeaderNotAvailable
                                                                                : created.error,
                                            name));
    }
  }
  response.cluster_id = image->cluster_id;
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
