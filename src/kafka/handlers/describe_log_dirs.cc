// DescribeLogDirs: a node has one log directory, `<data-dir>/kafka`; each
// partition's size is read on the shard that owns it. Partitions this node
// does not hold are left out, as Kafka leaves out those without a log.
#include <sys/statvfs.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "kafka/partition_fanout.h"
#include "protocol/kafka/generated/describe_log_dirs.h"

namespace runnel::kafka {

namespace {

struct SizeQuery {
  std::string topic;
  int32_t partition = 0;
  int64_t size = -1;  // -1: no such partition on this node
};

// The absolute path clients see for the log directory.
std::string log_dir_path(const std::string& data_dir) {
  std::filesystem::path dir = std::filesystem::path(data_dir) / "kafka";
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  if (ec) return dir.lexically_normal().string();
  return absolute.lexically_normal().string();
}

// The volume's size and the space left for unprivileged writers, as Java's
// File.getTotalSpace/getUsableSpace report them; -1 when unknown.
void volume_space(const std::string& path, int64_t* total, int64_t* usable) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return;
  *total = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
  *usable = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

}  // namespace

Task<HandlerResult> handle_describe_log_dirs(RequestContext& ctx, std::span<uint8_t> body) {
  DescribeLogDirsRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  std::shared_ptr<const MetadataImage> image = broker.local().metadata;

  // Sorted and without repeats: a client may name a partition twice.
  std::set<std::pair<std::string, int32_t>> wanted;
  if (!request.topics) {
    for (const auto& [name, topic] : image->topics) {
      for (int32_t p = 0; p < topic->partitions; ++p) wanted.emplace(name, p);
    }
  } else {
    for (const auto& t : *request.topics) {
      const TopicImage* topic = image->find(t.topic);
      if (topic == nullptr) continue;
      for (int32_t p : t.partitions) {
        if (p >= 0 && p < topic->partitions) wanted.emplace(t.topic, p);
      }
    }
  }
  std::vector<SizeQuery> queries;
  queries.reserve(wanted.size());
  for (const auto& [topic, partition] : wanted) queries.push_back(SizeQuery{topic, partition, -1});
  auto measure = [](ShardState& shard, SizeQuery& q) {
    Partition* partition = shard.find(q.topic, q.partition);
    if (partition != nullptr) q.size = static_cast<int64_t>(partition->log().size_bytes());
  };
  co_await on_partition_owners<SizeQuery>(broker, queries, measure);

  DescribeLogDirsResponse response;
  auto& dir = response.results.emplace_back();
  dir.log_dir = log_dir_path(broker.config().data_dir);
  volume_space(dir.log_dir, &dir.total_bytes, &dir.usable_bytes);
  for (const SizeQuery& q : queries) {
    if (q.size < 0) continue;
    if (dir.topics.empty() || dir.topics.back().name != q.topic) dir.topics.emplace_back().name = q.topic;
    auto& p = dir.topics.back().partitions.emplace_back();
    p.partition_index = q.partition;
    p.partition_size = q.size;
    // One node: every replica is the current log, and it is the leader.
    p.offset_lag = 0;
    p.is_future_key = false;
  }
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
