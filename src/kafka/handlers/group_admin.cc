// ListGroups, DescribeGroups, DeleteGroups and OffsetDelete over the groups
// this node knows from __consumer_offsets.
//
// Group membership is not served yet, so every known group is Empty: it has
// committed offsets (or stored metadata) and no members. A group with no
// state at all is Dead, as Kafka describes an unknown group.
#include <algorithm>
#include <cctype>
#include <set>

#include "kafka/broker.h"
#include "kafka/group/group_store.h"
#include "kafka/group/offsets_topic.h"
#include "kafka/handlers/handlers.h"
#include "protocol/kafka/generated/delete_groups.h"
#include "protocol/kafka/generated/describe_groups.h"
#include "protocol/kafka/generated/list_groups.h"
#include "protocol/kafka/generated/offset_delete.h"

namespace runnel::kafka {

namespace {

constexpr std::string_view kEmpty = "Empty";
constexpr std::string_view kDead = "Dead";

struct KnownGroup {
  std::string id;
  std::string protocol_type;  // from stored metadata; "" for commit-only groups
};

// On one shard: the groups of the __consumer_offsets partitions it owns.
Task<std::vector<KnownGroup>> local_groups(Broker& broker) {
  std::vector<KnownGroup> out;
  for (const auto& [partition, state] : broker.local().group_offsets) {
    for (const std::string& id : state.groups()) {
      const GroupMetadataValue* meta = state.group_metadata(id);
      out.push_back(KnownGroup{id, meta ? meta->protocol_type : ""});
    }
  }
  co_return out;
}

// The group's state on its shard: whether it exists and its protocol type.
struct GroupView {
  bool exists = false;
  std::string protocol_type;
  std::vector<CommittedOffsets::Key> offsets;
};

Task<GroupView> view_group(Broker& broker, std::string group, int32_t partition) {
  GroupView view;
  const CommittedOffsets* state = local_group_state(broker, partition);
  if (state == nullptr) co_return view;
  for (const auto& [key, value] : state->of_group(group)) view.offsets.push_back(key);
  const GroupMetadataValue* meta = state->group_metadata(group);
  if (meta != nullptr) view.protocol_type = meta->protocol_type;
  view.exists = meta != nullptr || !view.offsets.empty();
  co_return view;
}

Task<GroupView> find_group(Broker& broker, const std::string& group) {
  if (broker.metadata().find(std::string(kOffsetsTopic)) == nullptr) co_return GroupView{};
  GroupHome home = home_of(broker, group);
  auto view = [&broker, group, partition = home.partition]() { return view_group(broker, group, partition); };
  co_return co_await broker.shards().invoke_on<GroupView>(home.shard, view);
}

// Tombstones for the listed offsets (and the metadata, when asked), written
// on the group's shard.
Task<ErrorCode> erase(Broker& broker, const std::string& group, const std::vector<CommittedOffsets::Key>& offsets,
                      bool metadata_too) {
  std::vector<OffsetsRecord> records;
  for (const auto& key : offsets) {
    OffsetsRecord& r = records.emplace_back();
    r.kind = OffsetsRecord::Kind::kOffsetCommit;
    r.offset_key = OffsetCommitKey{key.group, key.topic, key.partition};
  }
  if (metadata_too) {
    OffsetsRecord& r = records.emplace_back();
    r.kind = OffsetsRecord::Kind::kGroupMetadata;
    r.group_key = GroupMetadataKey{group};
  }
  GroupHome home = home_of(broker, group);
  auto write = [&broker, &records, partition = home.partition]() -> Task<int> {
    co_return static_cast<int>(co_await write_group_records(broker, partition, records));
  };
  co_return static_cast<ErrorCode>(co_await broker.shards().invoke_on<int>(home.shard, write));
}

}  // namespace

Task<HandlerResult> handle_list_groups(RequestContext& ctx, std::span<uint8_t> body) {
  ListGroupsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  ListGroupsResponse response;
  auto gather = [&broker](unsigned) { return local_groups(broker); };
  std::vector<std::vector<KnownGroup>> by_shard = co_await broker.shards().invoke_on_all<std::vector<KnownGroup>>(gather);
  // Filters: a state or type named by the client that no group has
  // matches nothing; an empty filter matches everything.
  auto wanted = [](const std::vector<std::string>& filter, std::string_view value) {
    if (filter.empty()) return true;
    for (const auto& f : filter) {
      if (f.size() == value.size() && std::equal(f.begin(), f.end(), value.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        return true;
      }
    }
    return false;
  };
  std::vector<KnownGroup> all;
  for (auto& shard_groups : by_shard) {
    for (auto& g : shard_groups) all.push_back(std::move(g));
  }
  std::sort(all.begin(), all.end(), [](const KnownGroup& a, const KnownGroup& b) { return a.id < b.id; });
  for (const KnownGroup& g : all) {
    if (!wanted(request.states_filter, kEmpty) || !wanted(request.types_filter, "classic")) continue;
    auto& listed = response.groups.emplace_back();
    listed.group_id = g.id;
    listed.protocol_type = g.protocol_type;
    listed.group_state = std::string(kEmpty);
    listed.group_type = "classic";
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_describe_groups(RequestContext& ctx, std::span<uint8_t> body) {
  DescribeGroupsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  DescribeGroupsResponse response;
  for (const std::string& id : request.groups) {
    auto& described = response.groups.emplace_back();
    described.group_id = id;
    if (id.empty()) {
      described.error_code = code(ErrorCode::kInvalidGroupId);
      continue;
    }
    GroupView view = co_await find_group(broker, id);
    described.group_state = std::string(view.exists ? kEmpty : kDead);
    described.protocol_type = view.protocol_type;
    described.protocol_data = "";
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_delete_groups(RequestContext& ctx, std::span<uint8_t> body) {
  DeleteGroupsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  DeleteGroupsResponse response;
  std::set<std::string> done;
  for (const std::string& id : request.groups_names) {
    auto& result = response.results.emplace_back();
    result.group_id = id;
    if (id.empty()) {
      result.error_code = code(ErrorCode::kInvalidGroupId);
      continue;
    }
    if (done.count(id)) continue;  // a repeated name: the first answer stands
    done.insert(id);
    GroupView view = co_await find_group(broker, id);
    if (!view.exists) {
      result.error_code = code(ErrorCode::kGroupIdNotFound);
      continue;
    }
    result.error_code = code(co_await erase(broker, id, view.offsets, /*metadata_too=*/true));
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_offset_delete(RequestContext& ctx, std::span<uint8_t> body) {
  OffsetDeleteRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  OffsetDeleteResponse response;
  if (request.group_id.empty()) {
    response.error_code = code(ErrorCode::kInvalidGroupId);
    co_return encode_response(response, ctx.version());
  }
  GroupView view = co_await find_group(broker, request.group_id);
  if (!view.exists) {
    response.error_code = code(ErrorCode::kGroupIdNotFound);
    co_return encode_response(response, ctx.version());
  }
  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  std::vector<CommittedOffsets::Key> doomed;
  std::vector<OffsetDeleteResponse::OffsetDeleteResponsePartition*> written;
  response.topics.reserve(request.topics.size());
  for (const auto& t : request.topics) {
    auto& topic_answer = response.topics.emplace_back();
    topic_answer.name = t.name;
    topic_answer.partitions.reserve(t.partitions.size());
    const TopicImage* topic = image->find(t.name);
    for (const auto& p : t.partitions) {
      auto& answer = topic_answer.partitions.emplace_back();
      answer.partition_index = p.partition_index;
      if (topic == nullptr || p.partition_index < 0 || p.partition_index >= topic->partitions) {
        answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      doomed.push_back(CommittedOffsets::Key{request.group_id, t.name, p.partition_index});
      written.push_back(&answer);
    }
  }
  if (!doomed.empty()) {
    ErrorCode erased = co_await erase(broker, request.group_id, doomed, /*metadata_too=*/false);
    for (auto* answer : written) answer->error_code = code(erased);
  }
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
