// InitProducerId (idempotent producers; transactions are not served yet) and
// DescribeProducers (the idempotence state each partition keeps).
#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "kafka/partition_fanout.h"
#include "kafka/producer_id_allocator.h"
#include "protocol/kafka/generated/describe_producers.h"
#include "protocol/kafka/generated/init_producer_id.h"

namespace runnel::kafka {

namespace {

struct ProducerQuery {
  std::string topic;
  int32_t partition;
  DescribeProducersResponse::PartitionResponse* answer;
};

}  // namespace

Task<HandlerResult> handle_init_producer_id(RequestContext& ctx, std::span<uint8_t> body) {
  InitProducerIdRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  InitProducerIdResponse response;
  if (request.transactional_id.has_value()) {
    // No transaction coordinator yet: fail the transactional producer at
    // once rather than let it retry forever.
    response.error_code = code(ErrorCode::kTransactionalIdAuthorizationFailed);
    co_return encode_response(response, ctx.version());
  }
  // An idempotent producer gets a fresh id with epoch 0; since KIP-360 it
  // bumps its epoch itself, so a known id/epoch pair needs no coordinator.
  ProducerIdAllocator* allocator = &broker.producer_ids();
  auto allocate = [allocator]() -> Task<int64_t> {
    auto next = allocator->next();
    co_return next.ok() ? *next : -1;
  };
  int64_t id = co_await broker.shards().invoke_on<int64_t>(0, allocate);
  if (id < 0) {
    response.error_code = code(ErrorCode::kKafkaStorageError);
    co_return encode_response(response, ctx.version());
  }
  response.producer_id = id;
  response.producer_epoch = 0;
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_describe_producers(RequestContext& ctx, std::span<uint8_t> body) {
  DescribeProducersRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  DescribeProducersResponse response;
  std::vector<ProducerQuery> queries;
  size_t count = 0;
  for (const auto& t : request.topics) count += t.partition_indexes.size();
  queries.reserve(count);
  // Lookups keep pointers to the answers: reserve so they never move.
  response.topics.reserve(request.topics.size());
  for (const auto& t : request.topics) {
    auto& topic_answer = response.topics.emplace_back();
    topic_answer.partitions.reserve(t.partition_indexes.size());
    topic_answer.name = t.name;
    const TopicImage* topic = image->find(t.name);
    for (int32_t p : t.partition_indexes) {
      auto& answer = topic_answer.partitions.emplace_back();
      answer.partition_index = p;
      if (topic == nullptr || p < 0 || p >= topic->partitions) {
        answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      queries.push_back(ProducerQuery{t.name, p, &answer});
    }
  }
  auto describe = [](ShardState& shard, ProducerQuery& q) {
    Partition* partition = shard.find(q.topic, q.partition);
    if (partition == nullptr) {
      q.answer->error_code = code(ErrorCode::kUnknownTopicOrPartition);
      return;
    }
    for (const auto& p : partition->producers().producers()) {
      DescribeProducersResponse::ProducerState state;
      state.producer_id = p.producer_id;
      state.producer_epoch = p.epoch;
      state.last_sequence = p.last_sequence;
      state.last_timestamp = p.last_timestamp;
      state.coordinator_epoch = -1;
      state.current_txn_start_offset = -1;
      q.answer->active_producers.push_back(state);
    }
  };
  co_await on_partition_owners<ProducerQuery>(broker, queries,describe);
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
