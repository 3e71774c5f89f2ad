#include "kafka/group/group.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runnel::kafka {
namespace {

using Bytes = GroupBytes;

GroupProtocol proto(const std::string& name, uint8_t md = 1) { return GroupProtocol{name, Bytes{md}}; }

JoinArgs join_args(const std::string& client, std::string member_id = {},
                   std::vector<GroupProtocol> protocols = {proto("range")},
                   std::optional<std::string> instance = std::nullopt) {
  JoinArgs a;
  a.member_id = std::move(member_id);
  a.group_instance_id = std::move(instance);
  a.client_id = client;
  a.client_host = "/127.0.0.1";
  a.session_timeout_ms = 10000;
  a.rebalance_timeout_ms = 30000;
  a.protocol_type = "consumer";
  a.protocols = std::move(protocols);
  return a;
}

std::map<std::string, JoinResult> joins_by_member(Group& g) {
  std::map<std::string, JoinResult> out;
  for (auto& [id, r] : g.take_completed_joins()) out[id] = r;
  return out;
}

std::map<std::string, SyncResult> syncs_by_member(Group& g) {
  std::map<std::string, SyncResult> out;
  for (auto& [id, r] : g.take_completed_syncs()) out[id] = r;
  return out;
}

SyncArgs sync_args(const std::string& member, int32_t generation,
                   std::vector<std::pair<std::string, Bytes>> assignments = {},
                   std::optional<std::string> instance = std::nullopt) {
  SyncArgs s;
  s.member_id = member;
  s.group_instance_id = std::move(instance);
  s.generation_id = generation;
  s.assignments = std::move(assignments);
  return s;
}

// Members a, b, c, ... joined at t=0 and synced: a Stable group, generation 1,
// each member's assignment is its own index byte. Returns the member ids.
std::vector<std::string> make_stable(Group& g, int n, int64_t& now,
                                     const std::vector<std::optional<std::string>>& instances = {}) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    std::optional<std::string> instance;
    if (static_cast<size_t>(i) < instances.size()) instance = instances[static_cast<size_t>(i)];
    JoinOutcome o = g.join(join_args(std::string(1, static_cast<char>('a' + i)), {}, {proto("range")}, instance), now);
    EXPECT_FALSE(o.result.has_value());
    ids.push_back(o.member_id);
  }
  // The initial delay, extended once because members kept arriving.
  now += 3000;
  g.tick(now);
  if (g.state() == GroupState::kPreparingRebalance) {
    now += 3000;
    g.tick(now);
  }
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  auto joins = joins_by_member(g);
  EXPECT_EQ(joins.size(), static_cast<size_t>(n));
  std::vector<std::pair<std::string, Bytes>> assignments;
  for (size_t i = 0; i < ids.size(); ++i) assignments.emplace_back(ids[i], Bytes{static_cast<uint8_t>(i)});
  for (const auto& id : ids) {
    if (id == g.leader()) continue;
    EXPECT_FALSE(g.sync(sync_args(id, g.generation_id()), now).has_value());
  }
  auto leader = g.sync(sync_args(g.leader(), g.generation_id(), assignments), now);
  EXPECT_TRUE(leader.has_value());
  EXPECT_EQ(g.state(), GroupState::kStable);
  g.take_completed_syncs();
  return ids;
}

TEST(GroupTest, StateNames) {
  EXPECT_EQ(group_state_name(GroupState::kEmpty), "Empty");
  EXPECT_EQ(group_state_name(GroupState::kPreparingRebalance), "PreparingRebalance");
  EXPECT_EQ(group_state_name(GroupState::kCompletingRebalance), "CompletingRebalance");
  EXPECT_EQ(group_state_name(GroupState::kStable), "Stable");
  EXPECT_EQ(group_state_name(GroupState::kDead), "Dead");
}

TEST(GroupTest, ThreeMembersJoinOneLeaderSameGeneration) {
  Group g("g");
  EXPECT_EQ(g.state(), GroupState::kEmpty);
  JoinOutcome a = g.join(join_args("a"), 0);
  ASSERT_FALSE(a.result.has_value());
  EXPECT_EQ(a.member_id.rfind("a-", 0), 0u);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  JoinOutcome b = g.join(join_args("b"), 100);
  JoinOutcome c = g.join(join_args("c"), 200);
  ASSERT_FALSE(b.result.has_value());
  ASSERT_FALSE(c.result.has_value());
  EXPECT_NE(a.member_id, b.member_id);
  EXPECT_EQ(g.next_deadline(), 3000);

  // group.initial.rebalance.delay.ms: nothing before 3000, then one more
  // delay because members joined during the first.
  g.tick(2999);
  EXPECT_TRUE(g.take_completed_joins().empty());
  g.tick(3000);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  EXPECT_TRUE(g.take_completed_joins().empty());
  g.tick(6000);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.generation_id(), 1);
  EXPECT_EQ(g.protocol_name(), "range");
  EXPECT_EQ(g.protocol_type(), "consumer");
  EXPECT_EQ(g.leader(), a.member_id);

  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 3u);
  for (const auto& [id, r] : joins) {
    EXPECT_EQ(r.error, ErrorCode::kNone);
    EXPECT_EQ(r.generation_id, 1);
    EXPECT_EQ(r.leader, a.member_id);
    EXPECT_EQ(r.member_id, id);
    EXPECT_EQ(r.protocol_name, "range");
    if (id == a.member_id) {
      ASSERT_EQ(r.members.size(), 3u);
      for (const auto& m : r.members) EXPECT_EQ(m.metadata, Bytes{1});
    } else {
      EXPECT_TRUE(r.members.empty());
    }
  }
}

TEST(GroupTest, InitialDelayEndsWhenNoNewMemberArrives) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a"), 0);
  g.tick(3000);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[a.member_id].members.size(), 1u);
}

TEST(GroupTest, SyncDistributesLeadersAssignments) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a"), 0);
  JoinOutcome b = g.join(join_args("b"), 0);
  JoinOutcome c = g.join(join_args("c"), 0);
  g.tick(3000);
  g.tick(6000);
  ASSERT_EQ(g.state(), GroupState::kCompletingRebalance);
  g.take_completed_joins();

  EXPECT_FALSE(g.sync(sync_args(b.member_id, 1), 6100).has_value());
  // A heartbeat while waiting for the leader is fine.
  EXPECT_EQ(g.heartbeat(c.member_id, std::nullopt, 1, 6150), ErrorCode::kNone);
  EXPECT_FALSE(g.sync(sync_args(c.member_id, 1), 6200).has_value());
  EXPECT_TRUE(g.take_completed_syncs().empty());

  auto leader = g.sync(sync_args(a.member_id, 1,
                                 {{a.member_id, Bytes{10}}, {b.member_id, Bytes{11}}, {"stranger", Bytes{99}}}),
                       6300);
  ASSERT_TRUE(leader.has_value());
  EXPECT_EQ(leader->error, ErrorCode::kNone);
  EXPECT_EQ(leader->assignment, Bytes{10});
  EXPECT_EQ(leader->protocol_name, "range");
  EXPECT_EQ(g.state(), GroupState::kStable);
  auto syncs = syncs_by_member(g);
  ASSERT_EQ(syncs.size(), 2u);
  EXPECT_EQ(syncs[b.member_id].error, ErrorCode::kNone);
  EXPECT_EQ(syncs[b.member_id].assignment, Bytes{11});
  EXPECT_EQ(syncs[c.member_id].error, ErrorCode::kNone);
  EXPECT_TRUE(syncs[c.member_id].assignment.empty());  // the leader gave it nothing
  EXPECT_EQ(g.member(b.member_id)->assignment, Bytes{11});

  // Stable: a sync is answered at once with the member's assignment.
  auto again = g.sync(sync_args(b.member_id, 1), 6400);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->assignment, Bytes{11});
  EXPECT_EQ(g.heartbeat(b.member_id, std::nullopt, 1, 6500), ErrorCode::kNone);
}

TEST(GroupTest, SyncErrors) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now);
  EXPECT_EQ(g.sync(sync_args("nobody", 1), now)->error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.sync(sync_args(ids[1], 7), now)->error, ErrorCode::kIllegalGeneration);
  SyncArgs wrong_name = sync_args(ids[1], 1);
  wrong_name.protocol_type = "consumer";
  wrong_name.protocol_name = "roundrobin";
  EXPECT_EQ(g.sync(wrong_name, now)->error, ErrorCode::kInconsistentGroupProtocol);
  SyncArgs wrong_type = sync_args(ids[1], 1);
  wrong_type.protocol_type = "connect";
  EXPECT_EQ(g.sync(wrong_type, now)->error, ErrorCode::kInconsistentGroupProtocol);
  SyncArgs right = sync_args(ids[1], 1);
  right.protocol_type = "consumer";
  right.protocol_name = "range";
  EXPECT_EQ(g.sync(right, now)->error, ErrorCode::kNone);

  // A new member starts a rebalance: syncs for the current generation say so.
  g.join(join_args("c"), now);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(g.sync(sync_args(ids[1], 1), now)->error, ErrorCode::kRebalanceInProgress);
}

TEST(GroupTest, HeartbeatDuringRebalanceSaysRebalanceInProgress) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now);
  EXPECT_EQ(g.heartbeat(ids[0], std::nullopt, 1, now), ErrorCode::kNone);
  EXPECT_EQ(g.heartbeat("nobody", std::nullopt, 1, now), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.heartbeat(ids[0], std::nullopt, 0, now), ErrorCode::kIllegalGeneration);

  JoinOutcome c = g.join(join_args("c"), now);
  ASSERT_FALSE(c.result.has_value());
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(g.heartbeat(ids[0], std::nullopt, 1, now + 10), ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(g.heartbeat(ids[1], std::nullopt, 1, now + 10), ErrorCode::kRebalanceInProgress);

  // Everyone rejoins: the rebalance ends at once (no initial delay now).
  EXPECT_FALSE(g.join(join_args("a", ids[0]), now + 20).result.has_value());
  EXPECT_TRUE(g.take_completed_joins().empty());
  EXPECT_FALSE(g.join(join_args("b", ids[1]), now + 30).result.has_value());
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.generation_id(), 2);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 3u);
  EXPECT_EQ(joins[ids[0]].members.size(), 3u);  // a stays leader
  EXPECT_EQ(joins[c.member_id].generation_id, 2);
  EXPECT_EQ(g.heartbeat(ids[1], std::nullopt, 1, now + 40), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(g.heartbeat(ids[1], std::nullopt, 2, now + 40), ErrorCode::kNone);
}

TEST(GroupTest, RebalanceWhileAwaitingSyncAnswersRebalanceInProgress) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a"), 0);
  JoinOutcome b = g.join(join_args("b"), 0);
  g.tick(3000);
  g.tick(6000);
  g.take_completed_joins();
  EXPECT_FALSE(g.sync(sync_args(b.member_id, 1), 6100).has_value());
  // The follower rejoins with new metadata before the leader syncs.
  g.join(join_args("b", b.member_id, {proto("range", 2)}), 6200);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  auto syncs = syncs_by_member(g);
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_EQ(syncs[b.member_id].error, ErrorCode::kRebalanceInProgress);
  g.join(join_args("a", a.member_id), 6300);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.generation_id(), 2);
}

TEST(GroupTest, RejoinWithSameMetadata) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a"), 0);
  JoinOutcome b = g.join(join_args("b"), 0);
  g.tick(3000);
  g.tick(6000);
  g.take_completed_joins();
  // CompletingRebalance, same metadata: the lost response again, no rebalance.
  JoinOutcome again = g.join(join_args("a", a.member_id), 6100);
  ASSERT_TRUE(again.result.has_value());
  EXPECT_EQ(again.result->generation_id, 1);
  EXPECT_EQ(again.result->members.size(), 2u);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  g.sync(sync_args(b.member_id, 1), 6200);
  g.sync(sync_args(a.member_id, 1, {{a.member_id, Bytes{1}}, {b.member_id, Bytes{2}}}), 6200);
  ASSERT_EQ(g.state(), GroupState::kStable);
  // Stable, a follower with the same metadata: answered at once, no rebalance.
  JoinOutcome follower = g.join(join_args("b", b.member_id), 6300);
  ASSERT_TRUE(follower.result.has_value());
  EXPECT_EQ(follower.result->generation_id, 1);
  EXPECT_TRUE(follower.result->members.empty());
  EXPECT_EQ(g.state(), GroupState::kStable);
  // The leader rejoining always rebalances.
  EXPECT_FALSE(g.join(join_args("a", a.member_id), 6400).result.has_value());
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
}

TEST(GroupTest, SessionTimeoutRemovesMemberAndRebalances) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now);  // now == 6000, sessions 10000
  EXPECT_EQ(g.next_deadline(), now + 10000);
  EXPECT_EQ(g.heartbeat(ids[0], std::nullopt, 1, now + 8000), ErrorCode::kNone);
  g.tick(now + 9999);
  EXPECT_EQ(g.state(), GroupState::kStable);
  g.tick(now + 10000);  // b never heartbeated
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(g.member(ids[1]), nullptr);
  EXPECT_EQ(g.size(), 1u);
  EXPECT_EQ(g.heartbeat(ids[1], std::nullopt, 1, now + 10001), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.heartbeat(ids[0], std::nullopt, 1, now + 10001), ErrorCode::kRebalanceInProgress);
  g.join(join_args("a", ids[0]), now + 10002);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.generation_id(), 2);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[ids[0]].leader, ids[0]);
  EXPECT_EQ(joins[ids[0]].members.size(), 1u);
}

TEST(GroupTest, LeaderSessionTimeoutMovesLeadership) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now);
  EXPECT_EQ(g.leader(), ids[0]);
  g.heartbeat(ids[1], std::nullopt, 1, now + 5000);
  g.tick(now + 10000);
  EXPECT_EQ(g.leader(), ids[1]);
  g.join(join_args("b", ids[1]), now + 10001);
  auto joins = joins_by_member(g);
  EXPECT_EQ(joins[ids[1]].leader, ids[1]);
  EXPECT_EQ(joins[ids[1]].members.size(), 1u);
}

TEST(GroupTest, RebalanceTimeoutRemovesMembersThatDidNotRejoin) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now);
  g.join(join_args("a", ids[0], {proto("range", 7)}), now);  // new metadata: rebalance
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(g.next_deadline(), now + 10000);  // b's session
  // b keeps its session alive but never rejoins.
  for (int64_t t = 5000; t < 30000; t += 5000) {
    EXPECT_EQ(g.heartbeat(ids[1], std::nullopt, 1, now + t), ErrorCode::kRebalanceInProgress);
  }
  g.tick(now + 29999);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  g.tick(now + 30000);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.generation_id(), 2);
  EXPECT_EQ(g.member(ids[1]), nullptr);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[ids[0]].members.size(), 1u);
  EXPECT_EQ(joins[ids[0]].members[0].metadata, Bytes{7});
  EXPECT_EQ(g.heartbeat(ids[1], std::nullopt, 2, now + 30001), ErrorCode::kUnknownMemberId);
}

TEST(GroupTest, MembersThatNeverSyncAreRemoved) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a"), 0);
  JoinOutcome b = g.join(join_args("b"), 0);
  g.tick(3000);
  g.tick(6000);
  g.take_completed_joins();
  g.sync(sync_args(a.member_id, 1, {{a.member_id, Bytes{1}}, {b.member_id, Bytes{2}}}), 6100);
  EXPECT_EQ(g.state(), GroupState::kStable);
  // b heartbeats but never syncs: out after the rebalance timeout.
  for (int64_t t = 15000; t <= 35000; t += 10000) {
    EXPECT_EQ(g.heartbeat(a.member_id, std::nullopt, 1, t), ErrorCode::kNone);
    EXPECT_EQ(g.heartbeat(b.member_id, std::nullopt, 1, t), ErrorCode::kNone);
    g.tick(t);
  }
  EXPECT_EQ(g.state(), GroupState::kStable);
  EXPECT_EQ(g.next_deadline(), 6000 + 30000);
  g.tick(6000 + 30000);
  EXPECT_NE(g.member(a.member_id), nullptr);
  EXPECT_EQ(g.member(b.member_id), nullptr);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
}

TEST(GroupTest, StaticMemberRejoinKeepsAssignmentWithoutRebalance) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now, {std::string("i-a"), std::string("i-b")});
  EXPECT_EQ(ids[1].rfind("i-b-", 0), 0u);
  EXPECT_EQ(*g.static_member("i-b"), ids[1]);

  // b restarts: no member id, same instance id.
  JoinOutcome b2 = g.join(join_args("b", {}, {proto("range")}, "i-b"), now + 1000);
  ASSERT_TRUE(b2.result.has_value());
  EXPECT_EQ(b2.result->error, ErrorCode::kNone);
  EXPECT_NE(b2.member_id, ids[1]);
  EXPECT_EQ(b2.result->member_id, b2.member_id);
  EXPECT_EQ(b2.result->generation_id, 1);
  EXPECT_EQ(b2.result->leader, ids[0]);
  EXPECT_FALSE(b2.result->skip_assignment);
  EXPECT_EQ(g.state(), GroupState::kStable);
  EXPECT_EQ(g.generation_id(), 1);
  EXPECT_EQ(*g.static_member("i-b"), b2.member_id);

  auto s = g.sync(sync_args(b2.member_id, 1, {}, "i-b"), now + 1100);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error, ErrorCode::kNone);
  EXPECT_EQ(s->assignment, Bytes{1});  // kept

  // The old incarnation is fenced.
  EXPECT_EQ(g.heartbeat(ids[1], std::string("i-b"), 1, now + 1200), ErrorCode::kFencedInstanceId);
  EXPECT_EQ(g.sync(sync_args(ids[1], 1, {}, "i-b"), now + 1200)->error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(g.validate_commit(ids[1], std::string("i-b"), 1, now + 1200), ErrorCode::kFencedInstanceId);
  EXPECT_EQ(g.heartbeat(ids[1], std::nullopt, 1, now + 1200), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.heartbeat(b2.member_id, std::string("i-b"), 1, now + 1200), ErrorCode::kNone);
  // Joining with the old id and the instance id is fenced too.
  JoinOutcome old = g.join(join_args("b", ids[1], {proto("range")}, "i-b"), now + 1300);
  ASSERT_TRUE(old.result.has_value());
  EXPECT_EQ(old.result->error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(g.state(), GroupState::kStable);
}

TEST(GroupTest, StaticLeaderRejoinSkipsAssignment) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now, {std::string("i-a"), std::string("i-b")});
  JoinOutcome a2 = g.join(join_args("a", {}, {proto("range")}, "i-a"), now + 1000);
  ASSERT_TRUE(a2.result.has_value());
  EXPECT_TRUE(a2.result->skip_assignment);
  EXPECT_EQ(a2.result->leader, ids[0]);  // the old id: the client must not assign
  EXPECT_EQ(g.leader(), a2.member_id);
  EXPECT_EQ(g.state(), GroupState::kStable);
  EXPECT_EQ(g.generation_id(), 1);
}

TEST(GroupTest, StaticRejoinWithNewProtocolRebalances) {
  Group g("g");
  int64_t now = 0;
  make_stable(g, 1, now, {std::string("i-a")});
  JoinOutcome a2 = g.join(join_args("a", {}, {proto("roundrobin"), proto("range")}, "i-a"), now + 1000);
  EXPECT_FALSE(a2.result.has_value());
  // Only member: the join phase ends as soon as it has rejoined.
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.protocol_name(), "roundrobin");
  EXPECT_EQ(g.generation_id(), 2);
}

TEST(GroupTest, StaticRejoinDuringRebalanceFencesOldJoin) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a", {}, {proto("range")}, "i-a"), 0);
  ASSERT_FALSE(a.result.has_value());
  JoinOutcome a2 = g.join(join_args("a", {}, {proto("range")}, "i-a"), 100);
  ASSERT_FALSE(a2.result.has_value());
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[a.member_id].error, ErrorCode::kFencedInstanceId);
  g.tick(3000);
  joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[a2.member_id].error, ErrorCode::kNone);
  EXPECT_EQ(joins[a2.member_id].leader, a2.member_id);
}

TEST(GroupTest, StaticMembersSurviveRebalanceUntilSessionExpires) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now, {std::nullopt, std::string("i-b")});
  g.join(join_args("a", ids[0], {proto("range", 5)}), now);
  g.tick(now + 9000);  // b's session (10000 from its join) still runs
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  g.tick(now + 10000);  // b's session expires; a alone has rejoined
  EXPECT_EQ(g.member(ids[1]), nullptr);
  EXPECT_EQ(g.static_member("i-b"), nullptr);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.generation_id(), 2);
}

TEST(GroupTest, MemberIdRequiredRoundTrip) {
  Group g("g");
  JoinArgs first = join_args("client");
  first.require_known_member_id = true;
  JoinOutcome o = g.join(first, 0);
  ASSERT_TRUE(o.result.has_value());
  EXPECT_EQ(o.result->error, ErrorCode::kMemberIdRequired);
  EXPECT_EQ(o.result->member_id, o.member_id);
  EXPECT_EQ(o.member_id.rfind("client-", 0), 0u);
  EXPECT_EQ(g.pending_member_count(), 1u);
  EXPECT_EQ(g.size(), 0u);
  EXPECT_EQ(g.state(), GroupState::kEmpty);

  JoinArgs second = join_args("client", o.member_id);
  second.require_known_member_id = true;
  JoinOutcome o2 = g.join(second, 50);
  EXPECT_FALSE(o2.result.has_value());
  EXPECT_EQ(o2.member_id, o.member_id);
  EXPECT_EQ(g.pending_member_count(), 0u);
  EXPECT_EQ(g.size(), 1u);
  g.tick(3050);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[o.member_id].error, ErrorCode::kNone);
  EXPECT_EQ(joins[o.member_id].generation_id, 1);

  // An unknown id is refused.
  JoinOutcome bad = g.join(join_args("client", "made-up"), 3100);
  ASSERT_TRUE(bad.result.has_value());
  EXPECT_EQ(bad.result->error, ErrorCode::kUnknownMemberId);
}

TEST(GroupTest, PendingMemberIdExpiresAfterSessionTimeout) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 1, now);
  JoinArgs args = join_args("late");
  args.require_known_member_id = true;
  JoinOutcome o = g.join(args, now);
  ASSERT_EQ(o.result->error, ErrorCode::kMemberIdRequired);
  EXPECT_EQ(g.state(), GroupState::kStable);
  g.heartbeat(ids[0], std::nullopt, 1, now + 9000);
  g.tick(now + 10000);
  EXPECT_EQ(g.pending_member_count(), 0u);
  JoinOutcome late = g.join(join_args("late", o.member_id), now + 10001);
  ASSERT_TRUE(late.result.has_value());
  EXPECT_EQ(late.result->error, ErrorCode::kUnknownMemberId);
}

TEST(GroupTest, InconsistentProtocols) {
  Group g("g");
  JoinArgs no_type = join_args("a");
  no_type.protocol_type.clear();
  EXPECT_EQ(g.join(no_type, 0).result->error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_EQ(g.join(join_args("a", {}, {}), 0).result->error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_EQ(g.state(), GroupState::kEmpty);

  EXPECT_FALSE(g.join(join_args("a", {}, {proto("range"), proto("roundrobin")}), 0).result.has_value());
  EXPECT_EQ(g.join(join_args("b", {}, {proto("sticky")}), 10).result->error,
            ErrorCode::kInconsistentGroupProtocol);
  JoinArgs other_type = join_args("c", {}, {proto("range")});
  other_type.protocol_type = "connect";
  EXPECT_EQ(g.join(other_type, 20).result->error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_FALSE(g.join(join_args("d", {}, {proto("roundrobin")}), 30).result.has_value());
  EXPECT_EQ(g.size(), 2u);
}

TEST(GroupTest, ProtocolChosenByVotesAmongCommonProtocols) {
  {
    Group g("g");
    g.join(join_args("a", {}, {proto("range"), proto("roundrobin")}), 0);
    g.join(join_args("b", {}, {proto("roundrobin"), proto("range")}), 0);
    g.join(join_args("c", {}, {proto("roundrobin"), proto("range")}), 0);
    g.tick(3000);
    g.tick(6000);
    EXPECT_EQ(g.protocol_name(), "roundrobin");
  }
  {
    Group g("g");
    g.join(join_args("a", {}, {proto("sticky"), proto("range"), proto("roundrobin")}), 0);
    g.join(join_args("b", {}, {proto("range"), proto("roundrobin")}), 0);
    g.join(join_args("c", {}, {proto("roundrobin"), proto("range")}), 0);
    g.tick(3000);
    g.tick(6000);
    // sticky is not common; a's vote goes to range.
    EXPECT_EQ(g.protocol_name(), "range");
    auto joins = g.take_completed_joins();
    for (const auto& [id, r] : joins) {
      if (id == g.leader()) {
        for (const auto& m : r.members) EXPECT_EQ(m.metadata, Bytes{1});
      }
    }
  }
}

TEST(GroupTest, InvalidSessionTimeout) {
  Group g("g");
  JoinArgs low = join_args("a");
  low.session_timeout_ms = 5999;
  EXPECT_EQ(g.join(low, 0).result->error, ErrorCode::kInvalidSessionTimeout);
  JoinArgs high = join_args("a");
  high.session_timeout_ms = 1800001;
  EXPECT_EQ(g.join(high, 0).result->error, ErrorCode::kInvalidSessionTimeout);
  JoinArgs edge = join_args("a");
  edge.session_timeout_ms = 6000;
  EXPECT_FALSE(g.join(edge, 0).result.has_value());
}

TEST(GroupTest, MaxGroupSize) {
  GroupConfig config;
  config.max_size = 2;
  Group g("g", config);
  EXPECT_FALSE(g.join(join_args("a"), 0).result.has_value());
  EXPECT_FALSE(g.join(join_args("b"), 0).result.has_value());
  JoinOutcome c = g.join(join_args("c"), 0);
  ASSERT_TRUE(c.result.has_value());
  EXPECT_EQ(c.result->error, ErrorCode::kGroupMaxSizeReached);
  JoinArgs d = join_args("d");
  d.require_known_member_id = true;
  EXPECT_EQ(g.join(d, 0).result->error, ErrorCode::kGroupMaxSizeReached);
  EXPECT_EQ(g.size(), 2u);
}

TEST(GroupTest, LeaveTriggersRebalance) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 3, now);
  LeaveResult r = g.leave({LeaveMember{ids[1], std::nullopt}, LeaveMember{"nobody", std::nullopt}}, now);
  EXPECT_EQ(r.error, ErrorCode::kNone);
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0], ErrorCode::kNone);
  EXPECT_EQ(r.members[1], ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(g.size(), 2u);
  g.join(join_args("a", ids[0]), now + 10);
  g.join(join_args("c", ids[2]), now + 20);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.generation_id(), 2);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 2u);
  EXPECT_EQ(joins[ids[0]].members.size(), 2u);
}

TEST(GroupTest, LeaveWhileOthersWaitCompletesTheJoin) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now);
  g.join(join_args("a", ids[0], {proto("range", 3)}), now);
  EXPECT_EQ(g.state(), GroupState::kPreparingRebalance);
  g.leave({LeaveMember{ids[1], std::nullopt}}, now + 5);
  EXPECT_EQ(g.state(), GroupState::kCompletingRebalance);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[ids[0]].generation_id, 2);
  // A member that leaves while its own join waits gets UNKNOWN_MEMBER_ID for it.
  JoinOutcome c = g.join(join_args("c"), now + 10);
  g.leave({LeaveMember{c.member_id, std::nullopt}}, now + 11);
  joins = joins_by_member(g);
  EXPECT_EQ(joins[c.member_id].error, ErrorCode::kUnknownMemberId);
}

TEST(GroupTest, LastMemberLeavingEmptiesTheGroup) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 1, now, {std::string("i-a")});
  LeaveResult fenced = g.leave({LeaveMember{"other-id", std::string("i-a")}}, now);
  EXPECT_EQ(fenced.members[0], ErrorCode::kFencedInstanceId);
  LeaveResult unknown = g.leave({LeaveMember{"", std::string("i-z")}}, now);
  EXPECT_EQ(unknown.members[0], ErrorCode::kUnknownMemberId);
  LeaveResult r = g.leave({LeaveMember{"", std::string("i-a")}}, now);
  EXPECT_EQ(r.members[0], ErrorCode::kNone);
  EXPECT_EQ(g.state(), GroupState::kEmpty);
  EXPECT_EQ(g.generation_id(), 2);
  EXPECT_FALSE(g.protocol_name().has_value());
  EXPECT_EQ(g.heartbeat(ids[0], std::nullopt, 1, now), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.next_deadline(), std::nullopt);
}

TEST(GroupTest, CommitValidation) {
  Group g("g");
  // An empty group takes "simple" commits with generation -1.
  EXPECT_EQ(g.validate_commit("", std::nullopt, -1, 0), ErrorCode::kNone);
  EXPECT_EQ(g.validate_commit("x", std::nullopt, 1, 0), ErrorCode::kUnknownMemberId);

  JoinOutcome a = g.join(join_args("a"), 0);
  JoinOutcome b = g.join(join_args("b"), 0);
  // PreparingRebalance, generation 0.
  EXPECT_EQ(g.validate_commit("", std::nullopt, -1, 0), ErrorCode::kIllegalGeneration);
  g.tick(3000);
  g.tick(6000);
  ASSERT_EQ(g.state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(g.validate_commit(a.member_id, std::nullopt, 1, 6000), ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(g.validate_commit(a.member_id, std::nullopt, 1, 6000, /*transactional=*/true), ErrorCode::kNone);
  g.sync(sync_args(a.member_id, 1, {{a.member_id, Bytes{1}}, {b.member_id, Bytes{2}}}), 6100);
  ASSERT_EQ(g.state(), GroupState::kStable);
  EXPECT_EQ(g.validate_commit(a.member_id, std::nullopt, 1, 6200), ErrorCode::kNone);
  EXPECT_EQ(g.validate_commit(a.member_id, std::nullopt, 0, 6200), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(g.validate_commit("nobody", std::nullopt, 1, 6200), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.validate_commit("", std::nullopt, -1, 6200), ErrorCode::kIllegalGeneration);

  // During PreparingRebalance the current generation may still commit.
  g.join(join_args("c"), 6300);
  ASSERT_EQ(g.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(g.validate_commit(b.member_id, std::nullopt, 1, 6300), ErrorCode::kNone);

  // A commit counts as a sign of life.
  EXPECT_EQ(g.validate_commit(b.member_id, std::nullopt, 1, 20000), ErrorCode::kNone);
  EXPECT_EQ(g.member(b.member_id)->heartbeat_deadline_ms, 30000);

  g.mark_dead();
  EXPECT_EQ(g.validate_commit(b.member_id, std::nullopt, 1, 20000), ErrorCode::kCoordinatorNotAvailable);
}

TEST(GroupTest, MarkDeadAnswersWaitingRequests) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a"), 0);
  g.mark_dead(ErrorCode::kNotCoordinator);
  EXPECT_EQ(g.state(), GroupState::kDead);
  auto joins = joins_by_member(g);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[a.member_id].error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(g.join(join_args("b"), 10).result->error, ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(g.heartbeat(a.member_id, std::nullopt, 0, 10), ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(g.leave({LeaveMember{a.member_id, std::nullopt}}, 10).error, ErrorCode::kCoordinatorNotAvailable);
}

TEST(GroupTest, NewMemberThatNeverRejoinsTimesOutOfTheJoinPhase) {
  GroupConfig config;
  config.new_member_join_timeout_ms = 1000;
  Group g("g", config);
  JoinOutcome a = g.join(join_args("a"), 0);
  g.tick(1000);
  // A new member waiting in the join phase past the new-member timeout is dropped.
  auto joins = joins_by_member(g);
  EXPECT_EQ(joins[a.member_id].error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(g.size(), 0u);
}

TEST(GroupTest, FollowerSyncingAfterTheLeaderIsAnsweredAtOnce) {
  Group g("g");
  JoinOutcome a = g.join(join_args("a"), 0);
  JoinOutcome b = g.join(join_args("b"), 0);
  g.tick(3000);
  g.tick(6000);
  g.take_completed_joins();
  auto leader = g.sync(sync_args(a.member_id, 1, {{a.member_id, Bytes{4}}, {b.member_id, Bytes{5}}}), 6100);
  ASSERT_TRUE(leader.has_value());
  EXPECT_TRUE(g.take_completed_syncs().empty());
  auto follower = g.sync(sync_args(b.member_id, 1), 6200);
  ASSERT_TRUE(follower.has_value());
  EXPECT_EQ(follower->assignment, Bytes{5});
  // Everyone synced: only sessions remain as deadlines.
  EXPECT_EQ(g.next_deadline(), 6100 + 10000);
}

TEST(GroupTest, PersistPointsAndMetadataRoundTrip) {
  Group g("g");
  int64_t now = 0;
  auto ids = make_stable(g, 2, now, {std::nullopt, std::string("i-b")});
  EXPECT_TRUE(g.take_needs_persist());  // the leader's sync
  EXPECT_FALSE(g.take_needs_persist());
  EXPECT_EQ(g.state_timestamp_ms(), now);

  GroupMetadataValue v = g.to_metadata();
  EXPECT_EQ(v.protocol_type, "consumer");
  EXPECT_EQ(v.generation, 1);
  EXPECT_EQ(v.protocol, "range");
  EXPECT_EQ(v.leader, ids[0]);
  ASSERT_EQ(v.members.size(), 2u);
  EXPECT_EQ(v.members[0].member_id, ids[0]);
  EXPECT_EQ(v.members[1].member_id, ids[1]);
  EXPECT_EQ(v.members[1].group_instance_id, "i-b");
  EXPECT_EQ(v.members[1].client_id, "b");
  EXPECT_EQ(v.members[1].session_timeout, 10000);
  EXPECT_EQ(v.members[1].rebalance_timeout, 30000);
  EXPECT_EQ(v.members[1].subscription, Bytes{1});
  EXPECT_EQ(v.members[1].assignment, Bytes{1});

  // Loaded after a restart: Stable, same generation, sessions restart.
  Group h = Group::from_metadata("g", v, GroupConfig{}, 100000);
  EXPECT_EQ(h.state(), GroupState::kStable);
  EXPECT_EQ(h.generation_id(), 1);
  EXPECT_EQ(h.leader(), ids[0]);
  EXPECT_EQ(h.protocol_name(), "range");
  EXPECT_EQ(*h.static_member("i-b"), ids[1]);
  EXPECT_EQ(h.heartbeat(ids[1], std::string("i-b"), 1, 100001), ErrorCode::kNone);
  auto s = h.sync(sync_args(ids[1], 1), 100002);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->assignment, Bytes{1});
  // A restarted static member keeps its assignment there too.
  JoinOutcome b2 = h.join(join_args("b", {}, {proto("range")}, "i-b"), 100003);
  ASSERT_TRUE(b2.result.has_value());
  EXPECT_EQ(b2.result->generation_id, 1);
  EXPECT_TRUE(h.take_needs_persist());
  EXPECT_EQ(h.to_metadata().members[1].member_id, b2.member_id);
  // The follower with the same subscription: no rebalance.
  JoinOutcome a = h.join(join_args("b", b2.member_id, {proto("range")}, "i-b"), 100004);
  ASSERT_TRUE(a.result.has_value());
  EXPECT_EQ(h.state(), GroupState::kStable);

  // Everyone leaves: the empty group is persisted.
  h.leave({LeaveMember{ids[0], std::nullopt}, LeaveMember{"", std::string("i-b")}}, 100005);
  EXPECT_EQ(h.state(), GroupState::kEmpty);
  EXPECT_TRUE(h.take_needs_persist());
  GroupMetadataValue empty = h.to_metadata();
  EXPECT_EQ(empty.generation, 2);
  EXPECT_TRUE(empty.members.empty());
  EXPECT_FALSE(empty.protocol.has_value());
  Group e = Group::from_metadata("g", empty, GroupConfig{}, 0);
  EXPECT_EQ(e.state(), GroupState::kEmpty);
  EXPECT_EQ(e.generation_id(), 2);
  EXPECT_EQ(e.validate_commit("", std::nullopt, -1, 0), ErrorCode::kNone);
}

}  // namespace
}  // namespace runnel::kafka
