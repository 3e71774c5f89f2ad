// Broker: one node's Kafka face wired onto the shards. It owns each shard's
// state (flusher, logs, partitions, metadata image, connections), the
// listener, and the topic controller that runs on shard 0. Everything in a
// ShardState is touched only from that shard's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/shards.h"
#include "cluster/topic_config.h"
#include "kafka/group/committed_offsets.h"
#include "kafka/group/group_coordinator.h"
#include "kafka/metadata_image.h"
#include "kafka/partition.h"
#include "storage/data_dir_lock.h"
#include "storage/flusher.h"
#include "storage/log_manager.h"

namespace runnel::kafka {

class Connection;
class ProducerIdAllocator;
class KafkaListener;
class TopicController;

struct BrokerConfig {
  int32_t node_id = 0;
  std::string data_dir = "./runnel-data";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9092;
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9092;
  bool dev_mode = true;
  // Kafka broker settings by name (auto.create.topics.enable, ...) as given
  // in the file, environment or flags; unset ones take the catalog default.
  std::map<std::string, std::string> settings;
  // Where each entry of `settings` came from (DescribeConfigs reports it).
  std::map<std::string, std::string> setting_sources;
};

struct ShardState {
  std::unique_ptr<storage::Flusher> flusher;
  std::unique_ptr<storage::LogManager> logs;
  std::map<storage::TopicPartition, std::unique_ptr<Partition>> partitions;
  // Committed offsets and group metadata of the __consumer_offsets
  // partitions this shard owns, by partition.
  std::map<int32_t, CommittedOffsets> group_offsets;
  // The live consumer groups of those partitions.
  std::unique_ptr<GroupCoordinator> groups;
  std::shared_ptr<const MetadataImage> metadata = std::make_shared<MetadataImage>();
  std::vector<std::weak_ptr<Connection>> connections;
  bool stopping = false;

  Partition* find(const std::string& topic, int32_t partition) {
    auto it = partitions.find(storage::TopicPartition{topic, partition});
    return it == partitions.end() ? nullptr : it->second.get();
  }
};

class Broker {
 public:
  Broker(Shards& shards, BrokerConfig config);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Before the shards run: creates and locks the data directory and binds
  // the Kafka listener. Start-up failures throw std::runtime_error with one
  // line naming what failed (port in use, unwritable directory ...).
  void prepare();
  // The port actually bound (differs from the configured one for port 0).
  uint16_t bound_port() const;
  // On shard 0 once the shards run: loads the topic table, opens every
  // shard's partitions, then starts accepting connections.
  Task<void> start();
  // On shard 0 (SIGTERM/SIGINT): stops accepting, lets in-flight requests
  // finish, flushes every log and marks a clean shutdown.
  Task<void> shutdown();

  Shards& shards() { return shards_; }
  const BrokerConfig& config() const { return config_; }
  // The shard that owns a partition: a stable hash of topic and partition.
  unsigned shard_of(std::string_view topic, int32_t partition) const;
  ShardState& local() { return *states_[shards_.current()]; }
  const MetadataImage& metadata() { return *local().metadata; }
  // Runs fn with the topic controller on shard 0 and resumes on the
  // caller's shard. fn's closure is kept alive until it finishes.
  template <typename R>
  Task<R> on_controller(std::function<Task<R>(TopicController&)> fn) {
    TopicController* controller = controller_.get();
    return shards_.invoke_on<R>(0, [controller, fn = std::move(fn)]() { return fn(*controller); });
  }

  // Producer ids for InitProducerId; only on shard 0.
  ProducerIdAllocator& producer_ids() { return *producer_ids_; }

  // The node's Kafka settings, as DescribeConfigs and topic resolution read them.
  const cluster::BrokerSettings& settings() const { return settings_; }
  // A broker setting in canonical form, the catalog default when unset.
  std::string setting(std::string_view name) const;
  int64_t setting_int(std::string_view name) const;
  bool setting_bool(std::string_view name) const;
  // The group.* settings.
  GroupConfig group_config() const;
  size_t max_request_bytes() const { return max_request_bytes_; }

  // Called by the listener on the shard that accepted the socket.
  void track(std::shared_ptr<Connection> connection);

  // The controller's last step of every change: every shard takes the new
  // image and opens, reconfigures or removes the partitions it owns.
  Task<void> publish(std::shared_ptr<const MetadataImage> image);
  // Whether the previous run ended with a clean shutdown.
  bool clean_start() const { return clean_start_; }

 private:
  Task<int> apply_image(std::shared_ptr<const MetadataImage> image);
  // Rebuilds a __consumer_offsets partition's groups from its log.
  void load_group_offsets(ShardState& state, int32_t partition, const storage::Log& log);
  // Deletes logs on disk whose topic (or partition) no longer exists.
  void remove_orphan_logs();
  // Background flushes (flush.ms) and housekeeping (retention, compaction).
  Task<void> run_shard_timers(unsigned shard);
  // Retention, compaction, producer expiry and producer-state snapshots.
  void housekeeping(ShardState& state);

  Shards& shards_;
  BrokerConfig config_;
  cluster::BrokerSettings settings_;
  size_t max_request_bytes_ = 100u << 20;
  std::vector<std::unique_ptr<ShardState>> states_;
  std::unique_ptr<KafkaListener> listener_;
  std::unique_ptr<TopicController> controller_;
  std::unique_ptr<storage::DataDirLock> lock_;
  std::unique_ptr<ProducerIdAllocator> producer_ids_;
  bool clean_start_ = false;
};

}  // namespace runnel::kafka
