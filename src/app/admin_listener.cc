#include "app/admin_listener.h"

#include <spdlog/spdlog.h>

#include <string>

#include "http/admin_server.h"
#include "http/router.h"

namespace runnel::app {

namespace {

http::Response json_ok(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string health_overview(int32_t node_id, bool ready) {
  std::string id = std::to_string(node_id);
  std::string body = "{\"is_healthy\": ";
  body.append(ready ? "true" : "false");
  body.append(", \"unhealthy_reasons\": [");
  if (!ready) body.append("\"no_elected_controller\"");
  body.append("], \"controller_id\": ");
  body.append(ready ? id : std::string("-1"));  // Redpanda reports -1 with no controller
  body.append(", \"all_nodes\": [").append(id).append("]");
  body.append(", \"nodes_down\": [], \"nodes_in_recovery_mode\": []");
  body.append(", \"leaderless_partitions\": [], \"leaderless_count\": 0");
  body.append(", \"under_replicated_partitions\": [], \"under_replicated_count\": 0}");
  return body;
}

}  // namespace

AdminListener::AdminListener(boost::asio::io_context& context, int32_t node_id)
    : node_id_(node_id), server_(std::make_unique<http::AdminServer>(context, routes())) {}

AdminListener::~AdminListener() = default;

http::Router AdminListener::routes() {
  http::Router router;
  std::shared_ptr<bool> ready = ready_;
  int32_t node_id = node_id_;
  router.add("GET", "/v1/status/live", [](const http::Request&) { return json_ok(200, "{}"); });
  router.add("GET", "/v1/status/ready", [ready](const http::Request&) {
    return *ready ? json_ok(200, R"({"status": "ready"})") : json_ok(503, R"({"status": "booting"})");
  });
  http::Handler health = [ready, node_id](const http::Request&) {
    return json_ok(200, health_overview(node_id, *ready));
  };
  router.add("GET", "/v1/cluster/health_overview", health);
  router.add("GET", "/v1/cluster/health", health);
  return router;
}

void AdminListener::bind(const std::string& host, uint16_t port) {
  server_->bind(host, port);
  host_ = host;
}

void AdminListener::start() {
  server_->start();
  spdlog::info("runnel: admin API on {}:{}", host_, server_->port());
}

void AdminListener::stop() { server_->stop(); }

}  // namespace runnel::app
