// Group membership through the broker's request path (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, OffsetCommit, DescribeGroups) on a one-shard
// broker: one member's whole life, the group surviving a restart, and the
// expiry of an empty group's offsets.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kafka/broker.h"
#include "kafka/local_broker.h"
#include "kafka_test_util.h"
#include "protocol/kafka/generated/describe_groups.h"
#include "protocol/kafka/generated/heartbeat.h"
#include "protocol/kafka/generated/join_group.h"
#include "protocol/kafka/generated/leave_group.h"
#include "protocol/kafka/generated/offset_commit.h"
#include "protocol/kafka/generated/offset_fetch.h"
#include "protocol/kafka/generated/sync_group.h"

namespace runnel::kafka {
namespace {

using testing::call;
using testing::create_topic;

BrokerConfig quick_groups(const storage::TempDir& dir) {
  BrokerConfig config = testing::config_in(dir);
  // A lone member's join completes at the next tick instead of after 3 s.
  config.settings["group.initial.rebalance.delay.ms"] = "0";
  return config;
}

const std::vector<uint8_t> kMetadata{0, 1, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff};

JoinGroupResponse join(LocalBroker& broker, const std::string& member, int16_t version = 9) {
  JoinGroupRequest request;
  request.group_id = "g";
  request.session_timeout_ms = 10000;
  request.rebalance_timeout_ms = 10000;
  request.member_id = member;
  request.protocol_type = "consumer";
  request.protocols.push_back({"range", kMetadata, {}});
  return call<JoinGroupResponse>(broker, request, version);
}

SyncGroupResponse sync(LocalBroker& broker, const std::string& member, int32_t generation,
                       std::vector<uint8_t> assignment) {
  SyncGroupRequest request;
  request.group_id = "g";
  request.member_id = member;
  request.generation_id = generation;
  request.protocol_type = "consumer";
  request.protocol_name = "range";
  request.assignments.push_back({member, std::move(assignment), {}});
  return call<SyncGroupResponse>(broker, request, 5);
}

int16_t heartbeat(LocalBroker& broker, const std::string& member, int32_t generation) {
  HeartbeatRequest request;
  request.group_id = "g";
  request.member_id = member;
  request.generation_id = generation;
  return call<HeartbeatResponse>(broker, request, 4).error_code;
}

int16_t commit(LocalBroker& broker, const std::string& member, int32_t generation, int64_t offset) {
  OffsetCommitRequest request;
  request.group_id = "g";
  request.member_id = member;
  request.generation_id_or_member_epoch = generation;
  auto& t = request.topics.emplace_back();
  t.name = "t";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.committed_offset = offset;
  auto response = call<OffsetCommitResponse>(broker, request, 8);
  return response.topics.at(0).partitions.at(0).error_code;
}

int64_t committed(LocalBroker& broker) {
  OffsetFetchRequest request;
  request.group_id = "g";
  request.topics.emplace().push_back({"t", {0}, {}});
  auto response = call<OffsetFetchResponse>(broker, request, 7);
  return response.topics.at(0).partitions.at(0).committed_offset;
}

DescribeGroupsResponse::DescribedGroup describe(LocalBroker& broker) {
  DescribeGroupsRequest request;
  request.groups = {"g"};
  auto response = call<DescribeGroupsResponse>(broker, request, 5);
  return response.groups.at(0);
}

// A new member's two joins (KIP-394): its id, then the group's first generation.
std::pair<std::string, int32_t> become_leader(LocalBroker& broker) {
  auto first = join(broker, "");
  EXPECT_EQ(first.error_code, code(ErrorCode::kMemberIdRequired));
  EXPECT_FALSE(first.member_id.empty());
  auto joined = join(broker, first.member_id);
  EXPECT_EQ(joined.error_code, 0);
  EXPECT_EQ(joined.leader, first.member_id);
  EXPECT_EQ(joined.protocol_name, "range");
  EXPECT_EQ(joined.members.size(), 1u);
  return {first.member_id, joined.generation_id};
}

TEST(GroupCoordinator, OneMemberJoinsSyncsCommitsAndLeaves) {
  storage::TempDir dir;
  LocalBroker broker(quick_groups(dir));
  create_topic(broker, "t", 1);
  auto [member, generation] = become_leader(broker);
  EXPECT_EQ(generation, 1);

  auto synced = sync(broker, member, generation, {1, 2, 3});
  EXPECT_EQ(synced.error_code, 0);
  EXPECT_EQ(synced.assignment, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(heartbeat(broker, member, generation), 0);
  EXPECT_EQ(heartbeat(broker, member, generation + 1), code(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(heartbeat(broker, "stranger", generation), code(ErrorCode::kUnknownMemberId));

  auto stable = describe(broker);
  EXPECT_EQ(stable.group_state, "Stable");
  EXPECT_EQ(stable.protocol_data, "range");
  ASSERT_EQ(stable.members.size(), 1u);
  EXPECT_EQ(stable.members[0].member_id, member);
  EXPECT_EQ(stable.members[0].member_metadata, kMetadata);
  EXPECT_EQ(stable.members[0].member_assignment, (std::vector<uint8_t>{1, 2, 3}));

  EXPECT_EQ(commit(broker, member, generation, 42), 0);
  EXPECT_EQ(commit(broker, member, generation - 1, 43), code(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(commit(broker, "stranger", generation, 44), code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(commit(broker, "", -1, 45),
            code(ErrorCode::kIllegalGeneration));  // only members, while it has any
  EXPECT_EQ(committed(broker), 42);

  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members.push_back({member, std::nullopt, std::nullopt, {}});
  auto left = call<LeaveGroupResponse>(broker, leave, 5);
  EXPECT_EQ(left.error_code, 0);
  ASSERT_EQ(left.members.size(), 1u);
  EXPECT_EQ(left.members[0].error_code, 0);
  auto empty = describe(broker);
  EXPECT_EQ(empty.group_state, "Empty");
  EXPECT_TRUE(empty.members.empty());
  // With no members, commits outside group management are accepted again.
  EXPECT_EQ(commit(broker, "", -1, 50), 0);
  EXPECT_EQ(committed(broker), 50);
}

TEST(GroupCoordinator, OldVersionsAnswerInTheirOwnShape) {
  storage::TempDir dir;
  LocalBroker broker(quick_groups(dir));
  // v0-3 hand out a member id at once; the protocol name is not nullable.
  auto joined = join(broker, "", 0);
  EXPECT_EQ(joined.error_code, 0);
  EXPECT_EQ(joined.leader, joined.member_id);
  EXPECT_EQ(joined.protocol_name, "range");
  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = "not-a-member";
  EXPECT_EQ(call<LeaveGroupResponse>(broker, leave, 0).error_code, code(ErrorCode::kUnknownMemberId));
  leave.member_id = joined.member_id;
  EXPECT_EQ(call<LeaveGroupResponse>(broker, leave, 0).error_code, 0);
}

TEST(GroupCoordinator, BadJoinsGetKafkasErrors) {
  storage::TempDir dir;
  LocalBroker broker(quick_groups(dir));
  JoinGroupRequest request;
  request.group_id = "g";
  request.session_timeout_ms = 10000;
  request.rebalance_timeout_ms = 10000;
  request.protocol_type = "consumer";
  // No protocols.
  EXPECT_EQ(call<JoinGroupResponse>(broker, request, 5).error_code,
            code(ErrorCode::kInconsistentGroupProtocol));
  // A session timeout outside group.min/max.session.timeout.ms.
  request.protocols.push_back({"range", kMetadata, {}});
  request.session_timeout_ms = 10;
  EXPECT_EQ(call<JoinGroupResponse>(broker, request, 5).error_code, code(ErrorCode::kInvalidSessionTimeout));
  // No group id.
  request.session_timeout_ms = 10000;
  request.group_id = "";
  EXPECT_EQ(call<JoinGroupResponse>(broker, request, 5).error_code, code(ErrorCode::kInvalidGroupId));
  // A sync or heartbeat for a group nobody joined.
  EXPECT_EQ(sync(broker, "m", 1, {}).error_code, code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(heartbeat(broker, "m", 1), code(ErrorCode::kUnknownMemberId));
}

TEST(GroupCoordinator, AStableGroupIsBackAfterARestart) {
  storage::TempDir dir;
  std::string member;
  int32_t generation = 0;
  {
    LocalBroker broker(quick_groups(dir));
    create_topic(broker, "t", 1);
    std::tie(member, generation) = become_leader(broker);
    ASSERT_EQ(sync(broker, member, generation, {9}).error_code, 0);
  }
  LocalBroker broker(quick_groups(dir));
  auto loaded = describe(broker);
  EXPECT_EQ(loaded.group_state, "Stable");
  ASSERT_EQ(loaded.members.size(), 1u);
  EXPECT_EQ(loaded.members[0].member_assignment, (std::vector<uint8_t>{9}));
  // The member carries on in its generation without rejoining.
  EXPECT_EQ(heartbeat(broker, member, generation), 0);
  EXPECT_EQ(commit(broker, member, generation, 7), 0);
}

TEST(GroupCoordinator, AnEmptyGroupsOffsetsExpireAfterTheRetention) {
  storage::TempDir dir;
  BrokerConfig config = quick_groups(dir);
  config.settings["offsets.retention.minutes"] = "60";
  LocalBroker broker(config);
  create_topic(broker, "t", 1);
  ASSERT_EQ(commit(broker, "", -1, 11), 0);
  auto tick_at = [&broker](int64_t when) {
    auto tick = [](Broker& b, int64_t now) -> Task<int> {
      b.local().groups->tick(now);
      co_return 0;
    };
    broker.run(tick(broker.broker(), when));
  };
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // The check runs once per offsets.retention.check.interval.ms (10 min):
  // the first tick after start-up already ran it, so step past the next one.
  tick_at(now + 30 * 60000);  // half the retention: kept
  EXPECT_EQ(committed(broker), 11);
  tick_at(now + 61 * 60000);
  // The tombstone is written in the background and applied once durable;
  // each request drives the shard meanwhile (a hang guard, not a timing).
  int64_t offset = committed(broker);
  for (int i = 0; i < 3000 && offset != -1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    offset = committed(broker);
  }
  EXPECT_EQ(offset, -1);
}

}  // namespace
}  // namespace runnel::kafka
