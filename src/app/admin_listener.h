// AdminListener: the node's admin HTTP API (Redpanda-compatible) and its
// Prometheus pages on the admin address, served from shard 0. It binds at
// start-up so a taken port is reported then, and answers liveness from the
// moment it starts; readiness, cluster health and the broker's data turn
// good once set_ready() is called after the broker has finished start-up
// (before that they answer 503, in Redpanda's JSON error shape).
//   GET /v1/status/live                  200 {}
//   GET /v1/status/ready                 503 {"status":"booting"} / 200 {"status":"ready"}
//   GET /v1/cluster/health_overview      Redpanda's health overview
//   GET /v1/cluster/health               the same
//   GET /v1/brokers                      this node as Redpanda lists brokers
//   GET /v1/node_config                  the node's listeners, data directory, id
//   GET /v1/cluster_config               every broker setting's effective value (?include_defaults=false)
//   GET /v1/partitions                   every partition: topic, id, shard, leader
//   GET /v1/topics/{topic}               a topic's partitions: leader, offsets, size, segments
//   GET /v1/partitions/kafka/{topic}     the same partitions in Redpanda's list shape
//   GET /v1/partitions/kafka/{topic}/{partition}   one of them
//   GET /metrics                         Prometheus, internal vectorized_* names
//   GET /public_metrics                  Prometheus, redpanda_* names
// Every GET also answers HEAD.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/config.h"

namespace boost::asio {
class io_context;
}

namespace runnel {
class Shards;
}

namespace runnel::kafka {
class Broker;
}

namespace runnel::http {
class AdminServer;
class Router;
}  // namespace runnel::http

namespace runnel::app {

class AdminListener {
 public:
  // `broker` may be null (tests of the status endpoints alone); the data
  // endpoints then answer 503.
  AdminListener(Shards& shards, kafka::Broker* broker, const ServeConfig& config);
  ~AdminListener();
  // Throws std::runtime_error naming the address when it cannot listen.
  void bind(const std::string& host, uint16_t port);
  void start();
  void stop();
  // On shard 0, once the broker serves Kafka.
  void set_ready();
  uint16_t port() const;

  struct State;

 private:
  http::Router routes();

  std::shared_ptr<State> state_;
  std::unique_ptr<http::AdminServer> server_;
};

}  // namespace runnel::app
