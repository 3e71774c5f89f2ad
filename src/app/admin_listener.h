// AdminListener: the node's admin HTTP API (Redpanda-compatible) on the
// admin address, served from shard 0. It binds at start-up so a taken port
// is reported then, and answers liveness from the moment it starts;
// readiness and cluster health turn good once set_ready() is called after
// the broker has finished start-up.
//   GET /v1/status/live                  200 {}
//   GET /v1/status/ready                 503 {"status":"booting"} / 200 {"status":"ready"}
//   GET /v1/cluster/health_overview      Redpanda's health overview
//   GET /v1/cluster/health               the same
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace runnel::http {
class AdminServer;
class Router;
}

namespace runnel::app {

class AdminListener {
 public:
  AdminListener(boost::asio::io_context& context, int32_t node_id);
  ~AdminListener();
  // Throws std::runtime_error naming the address when it cannot listen.
  void bind(const std::string& host, uint16_t port);
  void start();
  void stop();
  // On shard 0, once the broker serves Kafka.
  void set_ready() { *ready_ = true; }

 private:
  http::Router routes();

  int32_t node_id_;
  std::string host_;
  // Shared with the route handlers; only touched on shard 0.
  std::shared_ptr<bool> ready_ = std::make_shared<bool>(false);
  std::unique_ptr<http::AdminServer> server_;
};

}  // namespace runnel::app
