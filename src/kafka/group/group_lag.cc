#include "kafka/group/group_lag.h"

#include <algorithm>
#include <map>

#include "kafka/broker.h"
#include "kafka/group/group_store.h"
#include "kafka/group/offsets_topic.h"

namespace runnel::kafka {

namespace {

// The committed offsets of the groups kept on the calling shard (one group
// when `only` is set, else all of them).
Task<std::vector<GroupLag>> local_commits(Broker& broker, std::optional<std::string> only) {
  std::map<std::string, GroupLag> by_group;
  for (const auto& [partition, stored] : broker.local().group_offsets) {
    std::vector<std::string> groups = only ? std::vector<std::string>{*only} : stored.groups();
    for (const std::string& group : groups) {
      for (const auto& [key, value] : stored.of_group(group)) {
        GroupLag& g = by_group[group];
        g.group = group;
        g.partitions.push_back(PartitionLag{key.topic, key.partition, value.offset, -1, 0});
      }
    }
  }
  std::vector<GroupLag> out;
  for (auto& [id, g] : by_group) out.push_back(std::move(g));
  co_return out;
}

// The high watermarks of the partitions on the calling shard, in the order asked.
Task<std::vector<int64_t>> local_high_watermarks(Broker& broker,
                                                 std::vector<std::pair<std::string, int32_t>> partitions) {
  std::vector<int64_t> out;
  out.reserve(partitions.size());
  for (const auto& [topic, index] : partitions) {
    Partition* p = broker.local().find(topic, index);
    out.push_back(p == nullptr ? -1 : p->high_watermark());
  }
  co_return out;
}

// Fills in every partition's high watermark and lag, asking each shard
// once for the partitions it owns.
Task<void> measure(Broker& broker, std::vector<GroupLag>& groups) {
  std::map<unsigned, std::vector<std::pair<std::string, int32_t>>> asked;
  std::map<unsigned, std::vector<PartitionLag*>> answers;
  for (GroupLag& g : groups) {
    for (PartitionLag& p : g.partitions) {
      unsigned shard = broker.shard_of(p.topic, p.partition);
      asked[shard].emplace_back(p.topic, p.partition);
      answers[shard].push_back(&p);
    }
  }
  std::vector<unsigned> shards;
  for (const auto& [shard, list] : asked) shards.push_back(shard);
  auto read = [&broker, &asked](unsigned shard) { return local_high_watermarks(broker, asked.at(shard)); };
  std::vector<std::vector<int64_t>> marks =
      co_await broker.shards().invoke_on_each<std::vector<int64_t>>(shards, read);
  for (size_t i = 0; i < shards.size(); ++i) {
    std::vector<PartitionLag*>& targets = answers[shards[i]];
    for (size_t j = 0; j < targets.size() && j < marks[i].size(); ++j) {
      PartitionLag& p = *targets[j];
      p.high_watermark = marks[i][j];
      p.lag = p.high_watermark < 0 ? 0 : std::max<int64_t>(0, p.high_watermark - p.committed);
    }
  }
}

}  // namespace

int64_t GroupLag::total() const {
  int64_t sum = 0;
  for (const PartitionLag& p : partitions) sum += p.lag;
  return sum;
}

int64_t GroupLag::max() const {
  int64_t most = 0;
  for (const PartitionLag& p : partitions) most = std::max(most, p.lag);
  return most;
}

Task<GroupLag> group_lag(Broker& broker, std::string group) {
  GroupLag none;
  none.group = group;
  if (broker.metadata().find(std::string(kOffsetsTopic)) == nullptr) co_return none;
  GroupHome home = home_of(broker, group);
  auto read = [&broker, group]() { return local_commits(broker, group); };
  std::vector<GroupLag> found = co_await broker.shards().invoke_on<std::vector<GroupLag>>(home.shard, read);
  if (found.empty()) co_return none;
  co_await measure(broker, found);
  co_return std::move(found.front());
}

Task<std::vector<GroupLag>> all_group_lag(Broker& broker) {
  auto read = [&broker](unsigned) { return local_commits(broker, std::nullopt); };
  std::vector<std::vector<GroupLag>> by_shard =
      co_await broker.shards().invoke_on_all<std::vector<GroupLag>>(read);
  std::vector<GroupLag> all;
  for (auto& list : by_shard) {
    for (auto& g : list) all.push_back(std::move(g));
  }
  std::sort(all.begin(), all.end(), [](const GroupLag& a, const GroupLag& b) { return a.group < b.group; });
  co_await measure(broker, all);
  co_return all;
}

}  // namespace runnel::kafka
