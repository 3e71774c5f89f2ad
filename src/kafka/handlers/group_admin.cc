// ListGroups, DescribeGroups, DeleteGroups and OffsetDelete: each group is
// asked on the shard that owns it, where its GroupCoordinator knows the live
// state (members, protocol) and its __consumer_offsets partition the
// committed offsets. A group with no members and no offsets is Dead, as
// Kafka describes an unknown group.
#include <algorithm>
#include <cctype>
#include <set>

#include "kafka/broker.h"
#include "kafka/group/group_store.h"
#include "kafka/group/group_views.h"
#include "kafka/group/offsets_topic.h"
#include "kafka/handlers/handlers.h"
#include "protocol/kafka/generated/delete_groups.h"
#include "protocol/kafka/generated/describe_groups.h"
#include "protocol/kafka/generated/list_groups.h"
#include "protocol/kafka/generated/offset_delete.h"

namespace runnel::kafka {

namespace {

const std::string kDead(group_state_name(GroupState::kDead));

// On the group's shard: tombstones for the listed offsets (and the group's
// metadata when `whole_group`), then the group is forgotten.
Task<ErrorCode> erase(Broker& broker, const std::string& group, int32_t partition,
                      const std::vector<CommittedOffsets::Key>& offsets, bool whole_group) {
  std::vector<OffsetsRecord> records;
  for (const auto& key : offsets) {
    OffsetsRecord& r = records.emplace_back();
    r.kind = OffsetsRecord::Kind::kOffsetCommit;
    r.offset_key = OffsetCommitKey{key.group, key.topic, key.partition};
  }
  if (whole_group) {
    OffsetsRecord& r = records.emplace_back();
    r.kind = OffsetsRecord::Kind::kGroupMetadata;
    r.group_key = GroupMetadataKey{group};
  }
  ErrorCode written = co_await write_group_records(broker, partition, records);
  if (written == ErrorCode::kNone && whole_group) broker.local().groups->forget(group);
  co_return written;
}

// DeleteGroups of one group, on its shard: only an empty group goes.
Task<ErrorCode> delete_group(Broker& broker, std::string group, int32_t partition) {
  ErrorCode allowed = broker.local().groups->check_deletable(group, partition);
  if (allowed != ErrorCode::kNone) co_return allowed;
  std::vector<CommittedOffsets::Key> offsets;
  if (const CommittedOffsets* stored = local_group_state(broker, partition)) {
    for (const auto& [key, value] : stored->of_group(group)) offsets.push_back(key);
  }
  co_return co_await erase(broker, group, partition, offsets, /*whole_group=*/true);
}

}  // namespace

Task<HandlerResult> handle_list_groups(RequestContext& ctx, std::span<uint8_t> body) {
  ListGroupsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  ListGroupsResponse response;
  std::vector<GroupSummary> all = co_await list_groups(broker);
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
  for (const GroupSummary& g : all) {
    if (!wanted(request.states_filter, g.state) || !wanted(request.types_filter, "classic")) continue;
    auto& listed = response.groups.emplace_back();
    listed.group_id = g.group_id;
    listed.protocol_type = g.protocol_type;
    listed.group_state = g.state;
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
    GroupSummary summary = co_await describe_group(broker, id);
    described.group_state = summary.state;
    described.protocol_type = summary.protocol_type;
    described.protocol_data = summary.protocol_name;
    described.members.reserve(summary.members.size());
    for (auto& m : summary.members) {
      auto& out = described.members.emplace_back();
      out.member_id = std::move(m.member_id);
      out.group_instance_id = std::move(m.group_instance_id);
      out.client_id = std::move(m.client_id);
      out.client_host = std::move(m.client_host);
      out.member_metadata = std::move(m.metadata);
      out.member_assignment = std::move(m.assignment);
    }
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
    if (broker.metadata().find(std::string(kOffsetsTopic)) == nullptr) {
      result.error_code = code(ErrorCode::kGroupIdNotFound);
      continue;
    }
    GroupHome home = home_of(broker, id);
    auto remove = [&broker, id, partition = home.partition]() -> Task<int> {
      co_return static_cast<int>(co_await delete_group(broker, id, partition));
    };
    result.error_code = static_cast<int16_t>(co_await broker.shards().invoke_on<int>(home.shard, remove));
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
  if (broker.metadata().find(std::string(kOffsetsTopic)) == nullptr) {
    response.error_code = code(ErrorCode::kGroupIdNotFound);
    co_return encode_response(response, ctx.version());
  }
  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  std::vector<CommittedOffsets::Key> candidates;
  std::vector<OffsetDeleteResponse::OffsetDeleteResponsePartition*> answers;
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
      candidates.push_back(CommittedOffsets::Key{request.group_id, t.name, p.partition_index});
      answers.push_back(&answer);
    }
  }
  // On the group's shard: the group's error first, then one per candidate.
  GroupHome home = home_of(broker, request.group_id);
  auto remove = [&broker, &candidates, group = request.group_id,
                 partition = home.partition]() -> Task<std::vector<int>> {
    GroupCoordinator& groups = *broker.local().groups;
    std::vector<int> errors(1 + candidates.size(), 0);
    GroupSummary summary = groups.describe(group, partition);
    if (summary.state == kDead) {
      errors[0] = code(ErrorCode::kGroupIdNotFound);
      co_return errors;
    }
    // Kafka keeps the offsets of a group with members unless it is a
    // consumer group whose members do not subscribe to the topic.
    if (!summary.members.empty() && summary.protocol_type != "consumer") {
      errors[0] = code(ErrorCode::kNonEmptyGroup);
      co_return errors;
    }
    std::vector<CommittedOffsets::Key> doomed;
    std::vector<size_t> doomed_at;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (groups.subscribed_to(group, partition, candidates[i].topic)) {
        errors[1 + i] = code(ErrorCode::kGroupSubscribedToTopic);
        continue;
      }
      doomed.push_back(candidates[i]);
      doomed_at.push_back(1 + i);
    }
    if (!doomed.empty()) {
      ErrorCode erased = co_await erase(broker, group, partition, doomed, /*whole_group=*/false);
      for (size_t at : doomed_at) errors[at] = code(erased);
    }
    co_return errors;
  };
  std::vector<int> errors = co_await broker.shards().invoke_on<std::vector<int>>(home.shard, remove);
  response.error_code = static_cast<int16_t>(errors[0]);
  if (errors[0] != 0) {
    response.topics.clear();
  } else {
    for (size_t i = 0; i < answers.size(); ++i) answers[i]->error_code = static_cast<int16_t>(errors[1 + i]);
  }
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
