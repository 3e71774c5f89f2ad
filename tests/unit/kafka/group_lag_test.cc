// Consumer lag from committed offsets and high watermarks.
#include <gtest/gtest.h>

#include "kafka/group/group_lag.h"
#include "kafka/local_broker.h"
#include "kafka_test_util.h"
#include "protocol/kafka/generated/offset_commit.h"

namespace runnel::kafka {
namespace {

using testing::call;
using testing::create_topic;

void commit(LocalBroker& broker, const std::string& group, const std::string& topic, int32_t partition,
            int64_t offset) {
  OffsetCommitRequest request;
  request.group_id = group;
  auto& t = request.topics.emplace_back();
  t.name = topic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = partition;
  p.committed_offset = offset;
  auto response = call<OffsetCommitResponse>(broker, request, 8);
  ASSERT_EQ(response.topics.at(0).partitions.at(0).error_code, 0);
}

TEST(GroupLag, CommittedOffsetsAgainstHighWatermarks) {
  storage::TempDir dir;
  LocalBroker broker(testing::config_in(dir));
  create_topic(broker, "t", 3);
  auto five = testing::make_batch(5);
  auto three = testing::make_batch(3);
  ASSERT_EQ(testing::produce(broker, "t", 0, five).responses.at(0).partition_responses.at(0).error_code, 0);
  ASSERT_EQ(testing::produce(broker, "t", 1, three).responses.at(0).partition_responses.at(0).error_code, 0);
  EXPECT_TRUE(broker.run(group_lag(broker.broker(), "nobody")).partitions.empty());

  commit(broker, "g", "t", 0, 2);
  commit(broker, "g", "t", 1, 3);
  commit(broker, "g", "t", 2, 9);  // past the end: caught up, not negative
  commit(broker, "h", "t", 0, 0);

  GroupLag g = broker.run(group_lag(broker.broker(), "g"));
  ASSERT_EQ(g.partitions.size(), 3u);
  EXPECT_EQ(g.partitions[0].high_watermark, 5);
  EXPECT_EQ(g.partitions[0].lag, 3);
  EXPECT_EQ(g.partitions[1].lag, 0);
  EXPECT_EQ(g.partitions[2].high_watermark, 0);
  EXPECT_EQ(g.partitions[2].lag, 0);
  EXPECT_EQ(g.total(), 3);
  EXPECT_EQ(g.max(), 3);

  std::vector<GroupLag> all = broker.run(all_group_lag(broker.broker()));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].group, "g");
  EXPECT_EQ(all[1].group, "h");
  EXPECT_EQ(all[1].total(), 5);
}

}  // namespace
}  // namespace runnel::kafka
