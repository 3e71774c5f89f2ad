// FindCoordinator, OffsetCommit and OffsetFetch through the broker's request
// path, including durability across a restart.
#include <gtest/gtest.h>

#include "kafka/group/offsets_topic.h"
#include "kafka/local_broker.h"
#include "kafka_test_util.h"
#include "protocol/kafka/generated/delete_groups.h"
#include "protocol/kafka/generated/describe_groups.h"
#include "protocol/kafka/generated/find_coordinator.h"
#include "protocol/kafka/generated/list_groups.h"
#include "protocol/kafka/generated/offset_commit.h"
#include "protocol/kafka/generated/offset_delete.h"
#include "protocol/kafka/generated/offset_fetch.h"

namespace runnel::kafka {
namespace {

using testing::call;
using testing::config_in;
using testing::create_topic;

OffsetCommitResponse commit(LocalBroker& broker, const std::string& group, const std::string& topic,
                            std::vector<std::pair<int32_t, int64_t>> offsets, int32_t generation = -1,
                            const std::string& member = "", int16_t version = 8) {
  OffsetCommitRequest request;
  request.group_id = group;
  request.generation_id_or_member_epoch = generation;
  request.member_id = member;
  auto& t = request.topics.emplace_back();
  t.name = topic;
  for (auto [partition, offset] : offsets) {
    auto& p = t.partitions.emplace_back();
    p.partition_index = partition;
    p.committed_offset = offset;
    p.committed_metadata = "meta-" + std::to_string(offset);
  }
  return call<OffsetCommitResponse>(broker, request, version);
}

// partition -> committed offset, from OffsetFetch v7 (single group).
std::map<int32_t, int64_t> fetch_v7(LocalBroker& broker, const std::string& group, const std::string& topic,
                                    std::vector<int32_t> partitions) {
  OffsetFetchRequest request;
  request.group_id = group;
  request.topics.emplace().push_back({topic, partitions, {}});
  auto response = call<OffsetFetchResponse>(broker, request, 7);
  EXPECT_EQ(response.error_code, 0);
  std::map<int32_t, int64_t> out;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) out[p.partition_index] = p.committed_offset;
  }
  return out;
}

TEST(GroupOffsets, FindCoordinatorNamesThisNodeAndCreatesTheOffsetsTopic) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  FindCoordinatorRequest batched;
  batched.key_type = 0;
  batched.coordinator_keys = {"g1", "g2", ""};
  auto response = call<FindCoordinatorResponse>(broker, batched, 4);
  ASSERT_EQ(response.coordinators.size(), 3u);
  EXPECT_EQ(response.coordinators[0].error_code, 0);
  EXPECT_EQ(response.coordinators[0].node_id, 0);
  EXPECT_EQ(response.coordinators[0].port, broker.broker().config().advertised_port);
  EXPECT_EQ(response.coordinators[2].error_code, code(ErrorCode::kInvalidGroupId));
  const TopicImage* offsets = broker.broker().metadata().find(std::string(kOffsetsTopic));
  ASSERT_NE(offsets, nullptr);
  EXPECT_EQ(offsets->partitions, 16);
  EXPECT_EQ(offsets->configs.at("cleanup.policy"), "compact");

  FindCoordinatorRequest txn;
  txn.key = "t";
  txn.key_type = 1;
  EXPECT_EQ(call<FindCoordinatorResponse>(broker, txn, 2).error_code, code(ErrorCode::kCoordinatorNotAvailable));
}

TEST(GroupOffsets, CommitsAreFetchedBackAndSurviveARestart) {
  storage::TempDir dir;
  {
    LocalBroker broker(config_in(dir));
    create_topic(broker, "orders", 3);
    auto committed = commit(broker, "billing", "orders", {{0, 10}, {2, 30}});
    ASSERT_EQ(committed.topics[0].partitions.size(), 2u);
    EXPECT_EQ(committed.topics[0].partitions[0].error_code, 0);
    EXPECT_EQ(committed.topics[0].partitions[1].error_code, 0);
    commit(broker, "billing", "orders", {{0, 12}});
    commit(broker, "audit", "orders", {{0, 99}});
    auto got = fetch_v7(broker, "billing", "orders", {0, 1, 2});
    EXPECT_EQ(got, (std::map<int32_t, int64_t>{{0, 12}, {1, -1}, {2, 30}}));
  }
  LocalBroker broker(config_in(dir));
  EXPECT_EQ(fetch_v7(broker, "billing", "orders", {0, 1, 2}), (std::map<int32_t, int64_t>{{0, 12}, {1, -1}, {2, 30}}));
  EXPECT_EQ(fetch_v7(broker, "audit", "orders", {0}), (std::map<int32_t, int64_t>{{0, 99}}));

  // v8: several groups at once; null topics means every committed offset.
  OffsetFetchRequest request;
  request.groups.push_back({"billing", std::nullopt, -1, std::nullopt, {}});
  request.groups.push_back({"nobody", std::nullopt, -1, std::nullopt, {}});
  auto response = call<OffsetFetchResponse>(broker, request, 8);
  ASSERT_EQ(response.groups.size(), 2u);
  ASSERT_EQ(response.groups[0].topics.size(), 1u);
  ASSERT_EQ(response.groups[0].topics[0].partitions.size(), 2u);
  EXPECT_EQ(response.groups[0].topics[0].partitions[1].committed_offset, 30);
  EXPECT_EQ(response.groups[0].topics[0].partitions[1].metadata, "meta-30");
  EXPECT_TRUE(response.groups[1].topics.empty());
}

TEST(GroupOffsets, CommitErrors) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1);
  auto unknown = commit(broker, "g", "missing", {{0, 1}});
  EXPECT_EQ(unknown.topics[0].partitions[0].error_code, code(ErrorCode::kUnknownTopicOrPartition));
  auto out_of_range = commit(broker, "g", "orders", {{5, 1}});
  EXPECT_EQ(out_of_range.topics[0].partitions[0].error_code, code(ErrorCode::kUnknownTopicOrPartition));
  auto managed = commit(broker, "g", "orders", {{0, 1}}, /*generation=*/3, "member-1");
  EXPECT_EQ(managed.topics[0].partitions[0].error_code, code(ErrorCode::kIllegalGeneration));
  auto no_group = commit(broker, "", "orders", {{0, 1}});
  EXPECT_EQ(no_group.topics[0].partitions[0].error_code, code(ErrorCode::kInvalidGroupId));

  OffsetCommitRequest big;
  big.group_id = "g";
  auto& t = big.topics.emplace_back();
  t.name = "orders";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.committed_offset = 1;
  p.committed_metadata = std::string(5000, 'm');
  EXPECT_EQ(call<OffsetCommitResponse>(broker, big, 8).topics[0].partitions[0].error_code,
            code(ErrorCode::kOffsetMetadataTooLarge));
  EXPECT_EQ(fetch_v7(broker, "g", "orders", {0}), (std::map<int32_t, int64_t>{{0, -1}})) << "nothing was stored";
}

std::vector<std::string> listed(LocalBroker& broker, std::vector<std::string> states = {}) {
  ListGroupsRequest request;
  request.states_filter = std::move(states);
  std::vector<std::string> out;
  for (const auto& g : call<ListGroupsResponse>(broker, request, 4).groups) {
    EXPECT_EQ(g.group_state, "Empty");
    out.push_back(g.group_id);
  }
  return out;
}

TEST(GroupOffsets, ListDescribeAndDeleteGroupsThatOnlyCommit) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  EXPECT_TRUE(listed(broker).empty()) << "no offsets topic yet";
  create_topic(broker, "orders", 2);
  commit(broker, "billing", "orders", {{0, 10}, {1, 11}});
  commit(broker, "audit", "orders", {{0, 1}});
  EXPECT_EQ(listed(broker), (std::vector<std::string>{"audit", "billing"}));
  EXPECT_EQ(listed(broker, {"Stable"}), std::vector<std::string>{});
  EXPECT_EQ(listed(broker, {"empty"}).size(), 2u) << "state filters ignore case, as Kafka's do";

  DescribeGroupsRequest describe;
  describe.groups = {"billing", "nobody"};
  auto described = call<DescribeGroupsResponse>(broker, describe, 5);
  ASSERT_EQ(described.groups.size(), 2u);
  EXPECT_EQ(described.groups[0].group_state, "Empty");
  EXPECT_TRUE(described.groups[0].members.empty());
  EXPECT_EQ(described.groups[1].group_state, "Dead");

  OffsetDeleteRequest trim;
  trim.group_id = "billing";
  for (auto [name, partition] : {std::pair<const char*, int32_t>{"orders", 1}, {"missing", 0}}) {
    auto& t = trim.topics.emplace_back();
    t.name = name;
    t.partitions.emplace_back().partition_index = partition;
  }
  auto trimmed = call<OffsetDeleteResponse>(broker, trim, 0);
  EXPECT_EQ(trimmed.error_code, 0);
  EXPECT_EQ(trimmed.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(trimmed.topics[1].partitions[0].error_code, code(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ(fetch_v7(broker, "billing", "orders", {0, 1}), (std::map<int32_t, int64_t>{{0, 10}, {1, -1}}));

  DeleteGroupsRequest remove;
  remove.groups_names = {"billing", "nobody", ""};
  auto removed = call<DeleteGroupsResponse>(broker, remove, 2);
  ASSERT_EQ(removed.results.size(), 3u);
  EXPECT_EQ(removed.results[0].error_code, 0);
  EXPECT_EQ(removed.results[1].error_code, code(ErrorCode::kGroupIdNotFound));
  EXPECT_EQ(removed.results[2].error_code, code(ErrorCode::kInvalidGroupId));
  EXPECT_EQ(listed(broker), (std::vector<std::string>{"audit"}));
  EXPECT_EQ(fetch_v7(broker, "billing", "orders", {0}), (std::map<int32_t, int64_t>{{0, -1}}));

  OffsetDeleteRequest gone;
  gone.group_id = "billing";
  EXPECT_EQ(call<OffsetDeleteResponse>(broker, gone, 0).error_code, code(ErrorCode::kGroupIdNotFound));
}

TEST(GroupOffsets, GroupsMapToPartitionsAsKafkaDoes) {
  // Java: "billing".hashCode() == -109829509 (0xf974227b); Kafka masks off the
  // sign bit and takes it modulo the partition count.
  EXPECT_EQ(offsets_partition_for("billing", 16), static_cast<int32_t>((uint32_t{0xf974227bu} & 0x7fffffffu) % 16));
  EXPECT_EQ(offsets_partition_for("billing", 50), static_cast<int32_t>((uint32_t{0xf974227bu} & 0x7fffffffu) % 50));
  EXPECT_EQ(offsets_partition_for("", 16), 0);
  for (int n : {1, 7, 50}) EXPECT_LT(offsets_partition_for("any-group", n), n);
}

}  // namespace
}  // namespace runnel::kafka
