// Fan-out of per-partition work to the shards that own the partitions: the
// pattern behind every request that names partitions (fetch, list offsets,
// delete records ...). Items live in the caller's coroutine frame, which stays
// suspended until every shard is done, so shards write answers into them.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "kafka/broker.h"

namespace runnel::kafka {

// Each Item has `std::string topic` and `int32_t partition`. fn runs on the
// owning shard with that shard's state; shards run concurrently, items of
// one shard in order.
template <typename Item>
Task<void> on_partition_owners(Broker& broker, std::vector<Item>& items,
                               std::function<void(ShardState&, Item&)> fn) {
  std::map<unsigned, std::vector<Item*>> by_shard;
  for (Item& item : items) by_shard[broker.shard_of(item.topic, item.partition)].push_back(&item);
  std::vector<unsigned> shards;
  shards.reserve(by_shard.size());
  for (const auto& entry : by_shard) shards.push_back(entry.first);
  auto run_here = [&broker, &by_shard, &fn](unsigned s) -> Task<int> {
    ShardState& state = broker.local();
    for (Item* item : by_shard.at(s)) fn(state, *item);
    co_return 0;
  };
  co_await broker.shards().invoke_on_each<int>(std::move(shards), run_here);
}

}  // namespace runnel::kafka
