#include "kafka/broker.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "base/crc32c.h"
#include "base/logging.h"
#include "kafka/connection.h"
#include "kafka/group/offsets_topic.h"
#include "kafka/listener.h"
#include "kafka/partition_settings.h"
#include "kafka/producer_id_allocator.h"
#include "kafka/topic_controller.h"
#include "storage/clean_shutdown.h"
#include "storage/data_dir_lock.h"

namespace runnel::kafka {

namespace {

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How often each shard applies retention and compaction, and checks whether
// a background flush is due. Retention is therefore at most this late.
constexpr auto kHousekeepingInterval = std::chrono::seconds(5);
constexpr auto kFlushCheckInterval = std::chrono::milliseconds(20);

}  // namespace

Broker::Broker(Shards& shards, BrokerConfig config)
    : shards_(shards),
      config_(std::move(config)),
      settings_(cluster::make_broker_settings(config_.settings, config_.setting_sources)) {
  for (unsigned s = 0; s < shards_.count(); ++s) states_.push_back(std::make_unique<ShardState>());
  listener_ = std::make_unique<KafkaListener>(*this);
  controller_ = std::make_unique<TopicController>(*this);
  max_request_bytes_ = static_cast<size_t>(std::max<int64_t>(setting_int("socket.request.max.bytes"), 1024));
}

Broker::~Broker() = default;

void Broker::prepare() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(config_.data_dir, ec);
  if (ec) {
    std::string why = "cannot create data directory ";
    throw std::runtime_error(why.append(config_.data_dir).append(": ").append(ec.message()));
  }
  auto lock = storage::lock_data_dir(config_.data_dir);
  if (!lock.ok()) {
    std::string why = "cannot use data directory ";
    throw std::runtime_error(why.append(config_.data_dir).append(": ").append(lock.status().to_string()));
  }
  lock_ = std::make_unique<storage::DataDirLock>(std::move(*lock));
  clean_start_ = storage::consume_clean_shutdown_marker(config_.data_dir);
  std::string meta_dir = config_.data_dir + "/meta";
  fs::create_directories(meta_dir, ec);
  auto ids = ProducerIdAllocator::open(meta_dir);
  if (ec || !ids.ok()) {
    std::string why = "cannot open the producer id state in ";
    throw std::runtime_error(
        why.append(meta_dir).append(": ").append(ec ? ec.message() : ids.status().to_string()));
  }
  producer_ids_ = std::make_unique<ProducerIdAllocator>(std::move(*ids));
  for (unsigned s = 0; s < shards_.count(); ++s) {
    auto& state = *states_[s];
    auto* context = &shards_.context(s);
    state.flusher = std::make_unique<storage::Flusher>(
        [context](std::function<void()> fn) { asio::post(*context, std::move(fn)); });
    state.logs = std::make_unique<storage::LogManager>(config_.data_dir, wall_clock_ms, *state.flusher);
    state.groups = std::make_unique<GroupCoordinator>(*this, group_config(),
                                                      setting_int("offsets.retention.minutes") * 60000);
  }
  listener_->bind(config_.listen_host, config_.listen_port);
  // A listener on port 0 picked its port just now; advertise that one.
  if (config_.listen_port == 0 && config_.advertised_port == 0) config_.advertised_port = listener_->port();
}

uint16_t Broker::bound_port() const {
  return listener_->port();
}

unsigned Broker::shard_of(std::string_view topic, int32_t partition) const {
  uint32_t h = crc32c(reinterpret_cast<const uint8_t*>(topic.data()), topic.size());
  return static_cast<unsigned>((static_cast<uint64_t>(h) + static_cast<uint32_t>(partition)) %
                               shards_.count());
}

void Broker::track(std::shared_ptr<Connection> connection) {
  auto& list = local().connections;
  std::erase_if(list, [](const std::weak_ptr<Connection>& c) { return c.expired(); });
  list.push_back(connection);
}

Task<void> Broker::start() {
  log::kafka().info("runnel: {} shard(s), data directory {} ({} shutdown last time)", shards_.count(),
                    config_.data_dir, clean_start_ ? "clean" : "no clean");
  co_await controller_->load();
  remove_orphan_logs();
  for (unsigned s = 0; s < shards_.count(); ++s) {
    asio::co_spawn(
        shards_.context(s), [this, s]() { return run_shard_timers(s); }, asio::detached);
  }
  listener_->start();
  log::kafka().info("runnel: Kafka API on {}:{}, advertised as {}:{}", config_.listen_host, listener_->port(),
                    config_.advertised_host, config_.advertised_port);
}

void Broker::load_group_offsets(ShardState& state, int32_t partition, const storage::Log& log) {
  CommittedOffsets& offsets = state.group_offsets[partition];
  auto report = load_committed_offsets(log, offsets);
  if (!report.ok()) {
    log::kafka().error("runnel: loading {}/{} failed: {}", kOffsetsTopic, partition,
                       report.status().to_string());
    return;
  }
  if (report->skipped > 0) {
    log::kafka().warn("runnel: {}/{}: skipped {} records that do not decode", kOffsetsTopic, partition,
                      report->skipped);
  }
}

void Broker::remove_orphan_logs() {
  // A crash between the topic table's change and the deletion of the
  // topic's directories leaves logs no topic owns: they go now.
  auto found = storage::LogManager::discover(config_.data_dir);
  if (!found.ok()) {
    log::kafka().warn("runnel: listing the data directory failed: {}", found.status().to_string());
    return;
  }
  const MetadataImage& image = metadata();
  for (const storage::TopicPartition& tp : found->partitions) {
    const TopicImage* topic = image.find(tp.topic);
    if (topic != nullptr && tp.partition < topic->partitions) continue;
    if (Status s = local().logs->remove(tp); !s.ok()) {
      log::kafka().warn("runnel: removing the orphaned log {}/{} failed: {}", tp.topic, tp.partition,
                        s.to_string());
    } else {
      log::kafka().info("runnel: removed {}/{}, a log of a deleted topic", tp.topic, tp.partition);
    }
  }
}

Task<void> Broker::run_shard_timers(unsigned shard) {
  asio::steady_timer timer(shards_.context(shard));
  auto next_housekeeping = std::chrono::steady_clock::now() + kHousekeepingInterval;
  ShardState& state = local();
  while (!state.stopping) {
    timer.expires_after(kFlushCheckInterval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (state.stopping) break;
    state.logs->flush_if_due_all();
    state.groups->tick(wall_clock_ms());
    if (std::chrono::steady_clock::now() >= next_housekeeping) {
      housekeeping(state);
      next_housekeeping = std::chrono::steady_clock::now() + kHousekeepingInterval;
    }
  }
}

void Broker::housekeeping(ShardState& state) {
  for (const storage::LogProblem& problem : state.logs->housekeeping()) {
    log::kafka().warn("runnel: retention or compaction of {}/{} failed: {}", problem.tp.topic,
                      problem.tp.partition, problem.status.to_string());
  }
  const int64_t now = wall_clock_ms();
  const int64_t expiration = setting_int("producer.id.expiration.ms");
  for (auto& [tp, partition] : state.partitions) {
    partition->expire_producers(now, expiration);
    if (Status s = partition->snapshot_producer_state(); !s.ok()) {
      log::kafka().warn("runnel: producer-state snapshot of {}/{} failed: {}", tp.topic, tp.partition,
                        s.to_string());
    }
  }
}

Task<int> Broker::apply_image(std::shared_ptr<const MetadataImage> image) {
  ShardState& state = local();
  const unsigned me = shards_.current();
  std::shared_ptr<const MetadataImage> old = state.metadata;
  state.metadata = image;

  // Partitions whose topic is gone (or was deleted and created again).
  for (auto it = state.partitions.begin(); it != state.partitions.end();) {
    const TopicImage* topic = image->find(it->first.topic);
    if (topic != nullptr && topic->id == it->second->topic_id() && it->first.partition < topic->partitions) {
      ++it;
      continue;
    }
    storage::TopicPartition tp = it->first;
    it = state.partitions.erase(it);
    if (tp.topic == kOffsetsTopic) {
      state.groups->unload(tp.partition);
      state.group_offsets.erase(tp.partition);
    }
    if (Status s = state.logs->remove(tp); !s.ok()) {
      log::kafka().error("runnel: removing {}/{} failed: {}", tp.topic, tp.partition, s.to_string());
    }
  }

  for (const auto& [name, topic] : image->topics) {
    const TopicImage* before = old ? old->find(name) : nullptr;
    const bool configs_changed =
        before == nullptr || before->id != topic->id || before->configs != topic->configs;
    PartitionSettings settings = resolve_partition_settings(*topic, settings_);
    for (int32_t p = 0; p < topic->partitions; ++p) {
      if (shard_of(name, p) != me) continue;
      storage::TopicPartition tp{name, p};
      auto existing = state.partitions.find(tp);
      if (existing != state.partitions.end()) {
        if (configs_changed) {
          existing->second->set_policy(settings.produce);
          if (Status s = state.logs->update_config(tp, settings.log); !s.ok()) {
            log::kafka().error("runnel: applying configs to {}/{} failed: {}", name, p, s.to_string());
          }
        }
        continue;
      }
      auto log = state.logs->open(tp, settings.log);
      if (!log.ok()) {
        log::kafka().error("runnel: opening {}/{} failed: {}", name, p, log.status().to_string());
        continue;
      }
      auto partition =
          std::make_unique<Partition>(name, p, topic->id, **log, *state.flusher, settings.produce);
      if (Status s = partition->restore_producer_state(); !s.ok()) {
        log::kafka().warn("runnel: producer state of {}/{} could not be rebuilt: {}", name, p, s.to_string());
      }
      if (name == kOffsetsTopic) load_group_offsets(state, p, **log);
      state.partitions.emplace(tp, std::move(partition));
    }
  }
  co_return 0;
}

Task<void> Broker::publish(std::shared_ptr<const MetadataImage> image) {
  auto apply = [this, image](unsigned) { return apply_image(image); };
  co_await shards_.invoke_on_all<int>(apply);
}

Task<void> Broker::shutdown() {
  log::kafka().info("runnel: shutting down");
  // Stop accepting and let every connection finish the request it is on.
  auto stop_shard = [this](unsigned) -> Task<int> {
    ShardState& state = local();
    state.stopping = true;
    listener_->stop_local();
    for (auto& weak : state.connections) {
      if (auto c = weak.lock()) c->stop();
    }
    for (auto& [tp, partition] : state.partitions) partition->wake_waiters();
    // Members waiting in a rebalance are told to find the coordinator again.
    state.groups->unload();
    asio::steady_timer wait(co_await asio::this_coro::executor);
    for (;;) {
      std::erase_if(state.connections, [](const std::weak_ptr<Connection>& c) { return c.expired(); });
      if (state.connections.empty()) break;
      wait.expires_after(std::chrono::milliseconds(10));
      co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (Status s = state.logs->flush_all(); !s.ok()) {
      log::kafka().error("runnel: flushing logs at shutdown failed: {}", s.to_string());
      co_return 1;
    }
    for (auto& [tp, partition] : state.partitions) {
      if (Status s = partition->snapshot_producer_state(); !s.ok()) {
        log::kafka().warn("runnel: producer-state snapshot of {}/{} failed: {}", tp.topic, tp.partition,
                          s.to_string());
      }
    }
    co_return 0;
  };
  std::vector<int> failures = co_await shards_.invoke_on_all<int>(stop_shard);
  if (std::count(failures.begin(), failures.end(), 0) != static_cast<long>(failures.size())) {
    log::kafka().error("runnel: stopped without a clean shutdown: some logs could not be flushed");
  } else if (Status s = storage::write_clean_shutdown_marker(config_.data_dir); !s.ok()) {
    log::kafka().error("runnel: could not record a clean shutdown: {}", s.to_string());
  }
  log::kafka().info("runnel: stopped");
  shards_.stop();
}

GroupConfig Broker::group_config() const {
  GroupConfig config;
  config.initial_rebalance_delay_ms = setting_int("group.initial.rebalance.delay.ms");
  config.max_size = static_cast<int32_t>(setting_int("group.max.size"));
  config.min_session_timeout_ms = static_cast<int32_t>(setting_int("group.min.session.timeout.ms"));
  config.max_session_timeout_ms = static_cast<int32_t>(setting_int("group.max.session.timeout.ms"));
  return config;
}

std::string Broker::setting(std::string_view name) const {
  return cluster::broker_setting_value(settings_, name).value_or("");
}

int64_t Broker::setting_int(std::string_view name) const {
  std::string v = setting(name);
  try {
    return std::stoll(v);
  } catch (...) {
    return 0;
  }
}

bool Broker::setting_bool(std::string_view name) const {
  return setting(name) == "true";
}

}  // namespace runnel::kafka
