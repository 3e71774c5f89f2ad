// FindCoordinator, OffsetCommit and OffsetFetch: this node coordinates every
// group. A group's offsets live in its __consumer_offsets partition and are
// served by the shard that owns it; a commit is answered once its record is
// durable there.
//
// A commit is checked against the group's membership on the group's shard
// (GroupCoordinator::validate_commit): a member of the current generation,
// or a consumer outside group management (generation -1, no member id) while
// the group has no members.
#include <chrono>
#include <map>

#include "kafka/broker.h"
#include "kafka/group/group_store.h"
#include "kafka/group/offsets_topic.h"
#include "kafka/handlers/handlers.h"
#include "protocol/kafka/generated/find_coordinator.h"
#include "protocol/kafka/generated/offset_commit.h"
#include "protocol/kafka/generated/offset_fetch.h"

namespace runnel::kafka {

namespace {

constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;
// offset.metadata.max.bytes, Kafka's default.
constexpr size_t kMaxOffsetMetadataBytes = 4096;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct CoordinatorAnswer {
  ErrorCode error = ErrorCode::kNone;
  std::string message;
};

Task<CoordinatorAnswer> find_one(Broker& broker, int8_t key_type, const std::string& key) {
  if (key_type == kTransactionKey) {
    co_return CoordinatorAnswer{ErrorCode::kCoordinatorNotAvailable, "Transactions are not supported yet."};
  }
  if (key_type != kGroupKey)
    co_return CoordinatorAnswer{ErrorCode::kInvalidRequest, "Unknown coordinator key type."};
  if (key.empty()) co_return CoordinatorAnswer{ErrorCode::kInvalidGroupId, ""};
  ErrorCode ready = co_await ensure_offsets_topic(broker);
  co_return CoordinatorAnswer{ready, ""};
}

struct Commit {
  std::string topic;
  int32_t partition = 0;
  OffsetCommitValue value;
  OffsetCommitResponse::OffsetCommitResponsePartition* answer = nullptr;
};

struct FetchedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
};

// On the group's shard: the committed offsets asked for (all of the
// group's when `wanted` is null).
Task<std::vector<FetchedOffset>> read_commits(
    Broker& broker, std::string group, int32_t partition,
    std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> wanted) {
  std::vector<FetchedOffset> out;
  const CommittedOffsets* offsets = local_group_state(broker, partition);
  if (!wanted) {
    if (offsets == nullptr) co_return out;
    for (const auto& [key, value] : offsets->of_group(group)) {
      out.push_back(
          FetchedOffset{key.topic, key.partition, value.offset, value.leader_epoch, value.metadata});
    }
    co_return out;
  }
  for (const auto& [topic, partitions] : *wanted) {
    for (int32_t p : partitions) {
      FetchedOffset f{topic, p, -1, -1, ""};
      if (offsets != nullptr) {
        if (const OffsetCommitValue* v = offsets->find(group, topic, p)) {
          f.offset = v->offset;
          f.leader_epoch = v->leader_epoch;
          f.metadata = v->metadata;
        }
      }
      out.push_back(std::move(f));
    }
  }
  co_return out;
}

// One group's fetch, wherever its shard is.
Task<std::vector<FetchedOffset>> fetch_group(
    Broker& broker, const std::string& group,
    std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> wanted) {
  if (broker.metadata().find(std::string(kOffsetsTopic)) == nullptr) {
    // No group has ever committed: every offset asked for is unknown.
    std::vector<FetchedOffset> none;
    if (wanted) {
      for (const auto& [topic, partitions] : *wanted) {
        for (int32_t p : partitions) none.push_back(FetchedOffset{topic, p, -1, -1, ""});
      }
    }
    co_return none;
  }
  GroupHome home = home_of(broker, group);
  auto read = [&broker, group, partition = home.partition, wanted]() {
    return read_commits(broker, group, partition, wanted);
  };
  co_return co_await broker.shards().invoke_on<std::vector<FetchedOffset>>(home.shard, read);
}

}  // namespace

Task<HandlerResult> handle_find_coordinator(RequestContext& ctx, std::span<uint8_t> body) {
  FindCoordinatorRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const BrokerConfig& config = broker.config();
  FindCoordinatorResponse response;
  if (ctx.version() < 4) {
    CoordinatorAnswer answer = co_await find_one(broker, request.key_type, request.key);
    response.error_code = code(answer.error);
    response.error_message =
        answer.message.empty() ? std::nullopt : std::optional<std::string>(answer.message);
    const bool ok = answer.error == ErrorCode::kNone;
    response.node_id = ok ? config.node_id : -1;
    response.host = ok ? config.advertised_host : "";
    response.port = ok ? config.advertised_port : -1;
    co_return encode_response(response, ctx.version());
  }
  for (const std::string& key : request.coordinator_keys) {
    CoordinatorAnswer answer = co_await find_one(broker, request.key_type, key);
    auto& c = response.coordinators.emplace_back();
    c.key = key;
    c.error_code = code(answer.error);
    c.error_message = answer.message.empty() ? std::nullopt : std::optional<std::string>(answer.message);
    const bool ok = answer.error == ErrorCode::kNone;
    c.node_id = ok ? config.node_id : -1;
    c.host = ok ? config.advertised_host : "";
    c.port = ok ? config.advertised_port : -1;
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_offset_commit(RequestContext& ctx, std::span<uint8_t> body) {
  OffsetCommitRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  OffsetCommitResponse response;
  response.topics.reserve(request.topics.size());
  std::vector<OffsetCommitResponse::OffsetCommitResponsePartition*> all;
  for (const auto& t : request.topics) {
    auto& topic_answer = response.topics.emplace_back();
    topic_answer.name = t.name;
    topic_answer.partitions.reserve(t.partitions.size());
    for (const auto& p : t.partitions) {
      auto& answer = topic_answer.partitions.emplace_back();
      answer.partition_index = p.partition_index;
      all.push_back(&answer);
    }
  }
  auto fail_all = [&](ErrorCode e) {
    for (auto* a : all) a->error_code = code(e);
  };

  ErrorCode group_error = ErrorCode::kNone;
  if (request.group_id.empty()) {
    group_error = ErrorCode::kInvalidGroupId;
  } else {
    group_error = co_await ensure_offsets_topic(broker);
  }
  if (group_error != ErrorCode::kNone) {
    fail_all(group_error);
    co_return encode_response(response, ctx.version());
  }

  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  const int64_t now = now_ms();
  std::vector<Commit> commits;
  size_t i = 0;
  for (const auto& t : request.topics) {
    const TopicImage* topic = image->find(t.name);
    for (const auto& p : t.partitions) {
      auto* answer = all[i++];
      if (topic == nullptr || p.partition_index < 0 || p.partition_index >= topic->partitions) {
        answer->error_code = code(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      const std::string metadata = p.committed_metadata.value_or("");
      if (metadata.size() > kMaxOffsetMetadataBytes) {
        answer->error_code = code(ErrorCode::kOffsetMetadataTooLarge);
        continue;
      }
      Commit c;
      c.topic = t.name;
      c.partition = p.partition_index;
      c.value.offset = p.committed_offset;
      c.value.leader_epoch = p.committed_leader_epoch;
      c.value.metadata = metadata;
      c.value.commit_timestamp = now;
      // v2-4 may ask for a retention of their own.
      if (request.retention_time_ms >= 0) c.value.expire_timestamp = now + request.retention_time_ms;
      c.answer = answer;
      commits.push_back(std::move(c));
    }
  }
  if (!commits.empty()) {
    GroupHome home = home_of(broker, request.group_id);
    std::vector<OffsetsRecord> records;
    for (const Commit& c : commits) {
      OffsetsRecord& r = records.emplace_back();
      r.kind = OffsetsRecord::Kind::kOffsetCommit;
      r.offset_key = OffsetCommitKey{request.group_id, c.topic, c.partition};
      r.offset_value = c.value;
    }
    auto store = [&broker, &records, &request, partition = home.partition]() -> Task<int> {
      ErrorCode allowed = broker.local().groups->validate_commit(request.group_id, partition,
                                                                 request.member_id, request.group_instance_id,
                                                                 request.generation_id_or_member_epoch);
      if (allowed != ErrorCode::kNone) co_return static_cast<int>(allowed);
      co_return static_cast<int>(co_await write_group_records(broker, partition, records));
    };
    const auto stored = static_cast<ErrorCode>(co_await broker.shards().invoke_on<int>(home.shard, store));
    for (const Commit& c : commits) c.answer->error_code = code(stored);
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_offset_fetch(RequestContext& ctx, std::span<uint8_t> body) {
  OffsetFetchRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  OffsetFetchResponse response;
  using Wanted = std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>>;

  if (ctx.version() < 8) {
    Wanted wanted;
    if (request.topics) {
      wanted.emplace();
      for (const auto& t : *request.topics) wanted->emplace_back(t.name, t.partition_indexes);
    }
    if (request.group_id.empty()) {
      response.error_code = code(ErrorCode::kInvalidGroupId);
      co_return encode_response(response, ctx.version());
    }
    std::vector<FetchedOffset> found = co_await fetch_group(broker, request.group_id, wanted);
    for (const FetchedOffset& f : found) {
      if (response.topics.empty() || response.topics.back().name != f.topic)
        response.topics.emplace_back().name = f.topic;
      auto& p = response.topics.back().partitions.emplace_back();
      p.partition_index = f.partition;
      p.committed_offset = f.offset;
      p.committed_leader_epoch = f.leader_epoch;
      p.metadata = f.metadata;
    }
    co_return encode_response(response, ctx.version());
  }

  for (const auto& g : request.groups) {
    auto& group_answer = response.groups.emplace_back();
    group_answer.group_id = g.group_id;
    if (g.group_id.empty()) {
      group_answer.error_code = code(ErrorCode::kInvalidGroupId);
      continue;
    }
    Wanted wanted;
    if (g.topics) {
      wanted.emplace();
      for (const auto& t : *g.topics) wanted->emplace_back(t.name, t.partition_indexes);
    }
    std::vector<FetchedOffset> found = co_await fetch_group(broker, g.group_id, wanted);
    for (const FetchedOffset& f : found) {
      if (group_answer.topics.empty() || group_answer.topics.back().name != f.topic) {
        group_answer.topics.emplace_back().name = f.topic;
      }
      auto& p = group_answer.topics.back().partitions.emplace_back();
      p.partition_index = f.partition;
      p.committed_offset = f.offset;
      p.committed_leader_epoch = f.leader_epoch;
      p.metadata = f.metadata;
    }
  }
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
