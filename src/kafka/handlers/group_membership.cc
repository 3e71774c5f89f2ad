// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: Kafka's classic group
// membership. Each request is carried to the shard that owns the group's
// __consumer_offsets partition and handed to that shard's GroupCoordinator;
// a join or sync is answered when the group has its answer (the end of the
// join phase, the leader's assignment), so these handlers may wait up to a
// rebalance timeout.
#include "kafka/broker.h"
#include "kafka/group/group_store.h"
#include "kafka/group/offsets_topic.h"
#include "kafka/handlers/handlers.h"
#include "protocol/kafka/generated/heartbeat.h"
#include "protocol/kafka/generated/join_group.h"
#include "protocol/kafka/generated/leave_group.h"
#include "protocol/kafka/generated/sync_group.h"

namespace runnel::kafka {

namespace {

// Kafka shows a member's host as "/" and its address.
std::string client_host(const std::string& peer) {
  std::string host = peer.substr(0, peer.rfind(':'));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::string("/").append(host);
}

// The group's home once __consumer_offsets exists; nullopt when no group
// has ever been coordinated here (so the group is unknown).
std::optional<GroupHome> existing_home(Broker& broker, const std::string& group) {
  if (broker.metadata().find(std::string(kOffsetsTopic)) == nullptr) return std::nullopt;
  return home_of(broker, group);
}

}  // namespace

Task<HandlerResult> handle_join_group(RequestContext& ctx, std::span<uint8_t> body) {
  JoinGroupRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int16_t version = ctx.version();
  JoinGroupResponse response;
  response.member_id = request.member_id;
  // Before v7 the protocol name is not nullable.
  if (version < 7) response.protocol_name = "";

  JoinArgs args;
  args.member_id = request.member_id;
  args.group_instance_id = request.group_instance_id;
  args.client_id = ctx.header.client_id.value_or("");
  args.client_host = client_host(ctx.peer);
  args.session_timeout_ms = request.session_timeout_ms;
  // v0 has no rebalance timeout: the session timeout is both.
  args.rebalance_timeout_ms = version == 0 ? request.session_timeout_ms : request.rebalance_timeout_ms;
  args.protocol_type = request.protocol_type;
  args.require_known_member_id = version >= 4;
  for (auto& p : request.protocols) args.protocols.push_back(GroupProtocol{p.name, std::move(p.metadata)});

  ErrorCode error = ErrorCode::kNone;
  if (request.group_id.empty()) {
    error = ErrorCode::kInvalidGroupId;
  } else if (request.group_instance_id && request.group_instance_id->empty()) {
    error = ErrorCode::kInvalidRequest;  // Kafka refuses an empty instance id
  } else {
    error = co_await ensure_offsets_topic(broker);
  }
  if (error != ErrorCode::kNone) {
    response.error_code = code(error);
    co_return encode_response(response, version);
  }

  GroupHome home = home_of(broker, request.group_id);
  auto join = [&broker, group = request.group_id, partition = home.partition, args = std::move(args)]() {
    return broker.local().groups->join(group, partition, args);
  };
  JoinResult result = co_await broker.shards().invoke_on<JoinResult>(home.shard, join);
  response.error_code = code(result.error);
  response.generation_id = result.generation_id;
  if (version >= 7) {
    response.protocol_type = result.protocol_type;
    response.protocol_name = result.protocol_name;
  } else {
    response.protocol_name = result.protocol_name.value_or("");
  }
  response.leader = result.leader;
  response.skip_assignment = result.skip_assignment;
  response.member_id = result.member_id;
  response.members.reserve(result.members.size());
  for (auto& m : result.members) {
    auto& out = response.members.emplace_back();
    out.member_id = std::move(m.member_id);
    out.group_instance_id = std::move(m.group_instance_id);
    out.metadata = std::move(m.metadata);
  }
  co_return encode_response(response, version);
}

Task<HandlerResult> handle_sync_group(RequestContext& ctx, std::span<uint8_t> body) {
  SyncGroupRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int16_t version = ctx.version();
  SyncGroupResponse response;
  if (request.group_id.empty()) {
    response.error_code = code(ErrorCode::kInvalidGroupId);
    co_return encode_response(response, version);
  }
  std::optional<GroupHome> home = existing_home(broker, request.group_id);
  if (!home) {
    response.error_code = code(ErrorCode::kUnknownMemberId);
    co_return encode_response(response, version);
  }
  SyncArgs args;
  args.member_id = request.member_id;
  args.group_instance_id = request.group_instance_id;
  args.generation_id = request.generation_id;
  args.protocol_type = request.protocol_type;
  args.protocol_name = request.protocol_name;
  args.assignments.reserve(request.assignments.size());
  for (auto& a : request.assignments) args.assignments.emplace_back(a.member_id, std::move(a.assignment));
  auto sync = [&broker, group = request.group_id, partition = home->partition, args = std::move(args)]() {
    return broker.local().groups->sync(group, partition, args);
  };
  SyncResult result = co_await broker.shards().invoke_on<SyncResult>(home->shard, sync);
  response.error_code = code(result.error);
  response.protocol_type = result.protocol_type;
  response.protocol_name = result.protocol_name;
  response.assignment = std::move(result.assignment);
  co_return encode_response(response, version);
}

Task<HandlerResult> handle_heartbeat(RequestContext& ctx, std::span<uint8_t> body) {
  HeartbeatRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  HeartbeatResponse response;
  std::optional<GroupHome> home = existing_home(broker, request.group_id);
  if (request.group_id.empty()) {
    response.error_code = code(ErrorCode::kInvalidGroupId);
  } else if (!home) {
    response.error_code = code(ErrorCode::kUnknownMemberId);
  } else {
    auto beat = [&broker, &request, partition = home->partition]() -> Task<int> {
      co_return static_cast<int>(co_await broker.local().groups->heartbeat(
          request.group_id, partition, request.member_id, request.group_instance_id, request.generation_id));
    };
    response.error_code = static_cast<int16_t>(co_await broker.shards().invoke_on<int>(home->shard, beat));
  }
  co_return encode_response(response, ctx.version());
}

Task<HandlerResult> handle_leave_group(RequestContext& ctx, std::span<uint8_t> body) {
  LeaveGroupRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int16_t version = ctx.version();
  LeaveGroupResponse response;
  // v0-2 name one member; v3+ a batch (KIP-345).
  std::vector<LeaveMember> leaving;
  if (version < 3) {
    leaving.push_back(LeaveMember{request.member_id, std::nullopt});
  } else {
    for (const auto& m : request.members) leaving.push_back(LeaveMember{m.member_id, m.group_instance_id});
  }
  std::optional<GroupHome> home = existing_home(broker, request.group_id);
  LeaveResult result;
  if (request.group_id.empty()) {
    result.error = ErrorCode::kInvalidGroupId;
  } else if (!home) {
    result.members.assign(leaving.size(), ErrorCode::kUnknownMemberId);
  } else {
    auto leave = [&broker, group = request.group_id, partition = home->partition, leaving]() {
      return broker.local().groups->leave(group, partition, leaving);
    };
    result = co_await broker.shards().invoke_on<LeaveResult>(home->shard, leave);
  }
  if (version < 3) {
    // One member: its error is the answer.
    ErrorCode e = result.error;
    if (e == ErrorCode::kNone && !result.members.empty()) e = result.members.front();
    response.error_code = code(e);
    co_return encode_response(response, version);
  }
  response.error_code = code(result.error);
  if (result.error == ErrorCode::kNone) {
    response.members.reserve(leaving.size());
    for (size_t i = 0; i < leaving.size(); ++i) {
      auto& out = response.members.emplace_back();
      out.member_id = leaving[i].member_id;
      out.group_instance_id = leaving[i].group_instance_id;
      out.error_code = code(i < result.members.size() ? result.members[i] : ErrorCode::kUnknownMemberId);
    }
  }
  co_return encode_response(response, version);
}

}  // namespace runnel::kafka
