// Produce: validates each partition's batch on the shard that owns the
// partition, appends it, and for acks=-1 answers only once the data is
// durable. Partitions fail independently: a corrupt batch for one does not
// stop the others in the same request.
#include <boost/asio/post.hpp>

#include <functional>
#include <map>
#include <memory>

#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "kafka/request_metrics.h"
#include "protocol/kafka/generated/produce.h"

namespace runnel::kafka {

namespace {

struct PartitionWork {
  const std::string* topic;
  int32_t partition;
  std::span<uint8_t> records;
  ProduceResponse::PartitionProduceResponse* answer;
};

// Appends every partition this shard owns, reports that through `appended`,
// then waits for one flush round covering the acks=-1 ones.
Task<int> produce_on_shard(Broker& broker, std::vector<PartitionWork*> work, int16_t acks,
                           std::function<void()> appended) {
  ShardState& shard = broker.local();
  std::vector<storage::Log*> to_flush;
  std::vector<PartitionWork*> flushed;
  for (PartitionWork* w : work) {
    auto& answer = *w->answer;
    Partition* partition = shard.find(*w->topic, w->partition);
    if (partition == nullptr) {
      answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
      continue;
    }
    bool needs_flush = false;
    AppendOutcome outcome = partition->append(w->records, acks, &needs_flush);
    answer.error_code = code(outcome.error);
    answer.log_start_offset = outcome.log_start_offset;
    if (outcome.error != ErrorCode::kNone) {
      answer.base_offset = -1;
      answer.error_message = outcome.message;
      continue;
    }
    answer.base_offset = outcome.base_offset;
    answer.log_append_time_ms = outcome.log_append_time;
    if (needs_flush) {
      to_flush.push_back(&partition->log());
      flushed.push_back(w);
    }
  }
  appended();
  std::vector<Status> synced = co_await flush_logs(std::move(to_flush), *shard.flusher);
  for (size_t i = 0; i < synced.size(); ++i) {
    if (synced[i].ok()) continue;
    auto& answer = *flushed[i]->answer;
    answer.error_code = code(ErrorCode::kKafkaStorageError);
    answer.error_message = synced[i].to_string();
    answer.base_offset = -1;
  }
  co_return 0;
}

}  // namespace

Task<HandlerResult> handle_produce(RequestContext& ctx, std::span<uint8_t> body) {
  ProduceRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int16_t acks = request.acks;
  const bool valid_acks = acks == -1 || acks == 0 || acks == 1;
  const bool transactional = request.transactional_id.has_value();
  const MetadataImage& image = broker.metadata();

  ProduceResponse response;
  std::vector<PartitionWork> work;
  size_t partitions = 0;
  for (const auto& topic : request.topic_data) partitions += topic.partition_data.size();
  work.reserve(partitions);
  response.responses.reserve(request.topic_data.size());
  for (const auto& topic : request.topic_data) {
    auto& topic_answer = response.responses.emplace_back();
    topic_answer.name = topic.name;
    topic_answer.partition_responses.reserve(topic.partition_data.size());
    const TopicImage* known = image.find(topic.name);
    for (const auto& data : topic.partition_data) {
      auto& answer = topic_answer.partition_responses.emplace_back();
      answer.index = data.index;
      answer.base_offset = -1;
      if (!valid_acks) {
        answer.error_code = code(ErrorCode::kInvalidRequiredAcks);
      } else if (transactional) {
        answer.error_code = code(ErrorCode::kTransactionalIdAuthorizationFailed);
        answer.error_message = "transactions are not supported yet";
      } else if (known == nullptr || data.index < 0 || data.index >= known->partitions) {
        answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
      } else if (!data.records.has_value() || data.records->bytes.empty()) {
        answer.error_code = code(ErrorCode::kInvalidRecord);
        answer.error_message = "no records";
      } else {
        auto bytes = data.records->bytes;
        // The records view points into the frame the connection owns.
        work.push_back(PartitionWork{&topic_answer.name, data.index,
                                     std::span<uint8_t>(const_cast<uint8_t*>(bytes.data()), bytes.size()),
                                     &answer});
      }
    }
  }

  std::map<unsigned, std::vector<PartitionWork*>> by_shard;
  for (auto& w : work) by_shard[broker.shard_of(*w.topic, w.partition)].push_back(&w);
  std::vector<unsigned> shards;
  for (const auto& [s, list] : by_shard) shards.push_back(s);
  // Once every shard has appended, the connection may start the client's
  // next request while this one waits for its fsync: pipelined produce
  // requests then share group commits instead of queueing behind each one,
  // and their records are appended (and visible) in request order.
  auto caller = co_await asio::this_coro::executor;
  auto shards_appending = std::make_shared<size_t>(shards.size());
  std::function<void()> appended = [caller, shards_appending, release = ctx.release]() {
    asio::post(caller, [shards_appending, release]() {
      if (--*shards_appending == 0 && release) release();
    });
  };
  auto produce_here = [&broker, &by_shard, acks, &appended](unsigned s) {
    return produce_on_shard(broker, by_shard.at(s), acks, appended);
  };
  co_await broker.shards().invoke_on_each<int>(shards, produce_here);
  for (const auto& topic : response.responses) {
    for (const auto& answer : topic.partition_responses) {
      if (answer.error_code != 0) RequestMetrics::of(ctx.shard).partition_error("produce", answer.error_code);
    }
  }

  if (acks == 0) co_return HandlerResult::no_response();
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
