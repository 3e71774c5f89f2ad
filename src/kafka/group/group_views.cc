#include "kafka/group/group_views.h"

#include <algorithm>

#include "kafka/broker.h"
#include "kafka/group/group_store.h"
#include "kafka/group/offsets_topic.h"

namespace runnel::kafka {

Task<GroupSummary> describe_group(Broker& broker, const std::string& group) {
  if (broker.metadata().find(std::string(kOffsetsTopic)) == nullptr) {
    GroupSummary dead;
    dead.group_id = group;
    dead.state = std::string(group_state_name(GroupState::kDead));
    co_return dead;
  }
  GroupHome home = home_of(broker, group);
  auto describe = [&broker, group, partition = home.partition]() -> Task<GroupSummary> {
    co_return broker.local().groups->describe(group, partition);
  };
  co_return co_await broker.shards().invoke_on<GroupSummary>(home.shard, describe);
}

Task<std::vector<GroupSummary>> list_groups(Broker& broker) {
  auto gather = [&broker](unsigned) -> Task<std::vector<GroupSummary>> {
    co_return broker.local().groups->list();
  };
  std::vector<std::vector<GroupSummary>> by_shard =
      co_await broker.shards().invoke_on_all<std::vector<GroupSummary>>(gather);
  std::vector<GroupSummary> all;
  for (auto& shard_groups : by_shard) {
    for (auto& g : shard_groups) all.push_back(std::move(g));
  }
  std::sort(all.begin(), all.end(),
            [](const GroupSummary& a, const GroupSummary& b) { return a.group_id < b.group_id; });
  co_return all;
}

}  // namespace runnel::kafka
