// MetadataImage: an immutable picture of the cluster's topics that every
// shard holds a pointer to. The controller (shard 0) builds a new image for
// each change and hands it to every shard, so readers never lock and a
// request sees one consistent picture from start to end.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/uuid.h"

namespace runnel::kafka {

struct TopicImage {
  std::string name;
  Uuid id;
  int32_t partitions = 0;
  int16_t replication_factor = 1;
  std::map<std::string, std::string> configs;  // explicit topic overrides only
};

struct MetadataImage {
  std::string cluster_id;
  int64_t version = 0;
  std::map<std::string, std::shared_ptr<const TopicImage>> topics;
  std::map<Uuid, std::shared_ptr<const TopicImage>> topics_by_id;

  const TopicImage* find(const std::string& name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : it->second.get();
  }
  const TopicImage* find(const Uuid& id) const {
    auto it = topics_by_id.find(id);
    return it == topics_by_id.end() ? nullptr : it->second.get();
  }
};

}  // namespace runnel::kafka
