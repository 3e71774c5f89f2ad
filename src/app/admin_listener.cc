#include "app/admin_listener.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "app/admin_groups.h"
#include "app/version.h"
#include "base/logging.h"
#include "base/shards.h"
#include "base/uuid.h"
#include "cluster/config_catalog.h"
#include "cluster/topic_name.h"
#include "http/admin_server.h"
#include "http/router.h"
#include "kafka/broker.h"
#include "metrics/catalog.h"

namespace runnel::app {

using http::json_string;

struct AdminListener::State {
  Shards& shards;
  kafka::Broker* broker;
  ServeConfig config;
  std::string host;
  bool ready = false;  // only touched on shard 0
};

namespace {

http::Response json_ok(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

http::Response not_ready() {
  return http::json_error(503, "the broker is starting; try again shortly");
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

std::string listener_json(const HostPort& address, std::string_view name) {
  std::string out = "{\"name\": ";
  out.append(json_string(name)).append(", \"address\": ").append(json_string(address.host));
  out.append(", \"port\": ").append(std::to_string(address.port)).append("}");
  return out;
}

std::string node_config(const ServeConfig& c, uint16_t kafka_port, uint16_t admin_port) {
  HostPort kafka = c.kafka_addr;
  if (kafka.port == 0) kafka.port = kafka_port;
  HostPort advertised = c.advertise_kafka_addr;
  if (advertised.port == 0) advertised.port = kafka.port;
  HostPort admin = c.admin_addr;
  if (admin.port == 0) admin.port = admin_port;
  std::string out = "{\"node_id\": ";
  out.append(std::to_string(c.node_id));
  out.append(", \"data_directory\": ").append(json_string(c.data_dir));
  out.append(", \"kafka_api\": [").append(listener_json(kafka, "internal")).append("]");
  out.append(", \"advertised_kafka_api\": [").append(listener_json(advertised, "internal")).append("]");
  out.append(", \"admin\": [").append(listener_json(admin, "admin")).append("]");
  out.append(", \"developer_mode\": ").append(c.dev_mode ? "true" : "false");
  out.append(", \"smp\": ").append(std::to_string(c.smp));
  out.append(", \"log_level\": ").append(json_string(c.log_level));
  out.append(", \"config_file\": ");
  out.append(c.config_file.empty() ? std::string("null") : json_string(c.config_file));
  out.append("}");
  return out;
}

bool is_json_number(std::string_view text) {
  if (text.empty()) return false;
  double ignored = 0;
  char tail = 0;
  std::string copy(text);
  // Integers and decimals as Kafka prints them; no hex, inf or nan.
  if (copy.find_first_not_of("0123456789-.eE+") != std::string::npos) return false;
  return std::sscanf(copy.c_str(), "%lf%c", &ignored, &tail) == 1;
}

std::string typed_value(const cluster::ConfigSpec& spec, const std::optional<std::string>& value) {
  if (!value) return "null";
  switch (spec.type) {
    case cluster::ConfigType::kBoolean:
      return *value == "true" ? "true" : (*value == "false" ? "false" : json_string(*value));
    case cluster::ConfigType::kInt:
    case cluster::ConfigType::kShort:
    case cluster::ConfigType::kLong:
    case cluster::ConfigType::kDouble:
      return is_json_number(*value) ? *value : json_string(*value);
    case cluster::ConfigType::kList: {
      std::string out = "[";
      size_t at = 0;
      bool first = true;
      while (at < value->size()) {
        size_t comma = value->find(',', at);
        if (comma == std::string::npos) comma = value->size();
        if (!first) out.append(", ");
        first = false;
        out.append(json_string(std::string_view(*value).substr(at, comma - at)));
        at = comma + 1;
      }
      return out.append("]");
    }
    case cluster::ConfigType::kPassword:
      return "null";  // never shown
    default:
      return json_string(*value);
  }
}

std::string cluster_config(const kafka::Broker& broker, bool include_defaults) {
  std::string out = "{";
  bool first = true;
  for (const cluster::ConfigSpec& spec : cluster::broker_config_specs()) {
    auto set = broker.settings().find(spec.name);
    const bool explicit_value =
        set != broker.settings().end() && set->second.source != cluster::ConfigSource::kDefault;
    if (!include_defaults && !explicit_value) continue;
    if (!first) out.append(", ");
    first = false;
    out.append(json_string(spec.name)).append(": ");
    out.append(typed_value(spec, cluster::broker_setting_value(broker.settings(), spec.name)));
  }
  return out.append("}");
}

std::string brokers_json(const AdminListener::State& s) {
  struct statvfs fs {};
  uint64_t free = 0;
  uint64_t total = 0;
  if (::statvfs(s.config.data_dir.c_str(), &fs) == 0) {
    free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    total = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  }
  std::string out = "[{\"node_id\": ";
  out.append(std::to_string(s.config.node_id));
  out.append(", \"num_cores\": ").append(std::to_string(s.shards.count()));
  out.append(", \"membership_status\": \"active\", \"is_alive\": ").append(s.ready ? "true" : "false");
  out.append(", \"version\": ").append(json_string(std::string("v") + RUNNEL_VERSION));
  out.append(", \"disk_space\": [{\"path\": ").append(json_string(s.config.data_dir));
  out.append(", \"free\": ").append(std::to_string(free));
  out.append(", \"total\": ").append(std::to_string(total)).append("}]");
  out.append(", \"maintenance_status\": {\"draining\": false, \"finished\": false, \"errors\": false");
  out.append(", \"partitions\": 0, \"eligible\": 0, \"transferring\": 0, \"failed\": 0}}]");
  return out;
}

// One partition as its owner shard sees it.
struct PartitionFacts {
  std::string topic;
  int32_t partition = 0;
  unsigned shard = 0;
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  uint64_t size_bytes = 0;
  size_t segments = 0;
};

// Every partition (of `topic`, if given) from the shard that owns it.
Task<std::vector<PartitionFacts>> gather_partitions(kafka::Broker* broker, std::optional<std::string> topic) {
  auto on_shard = [broker, topic](unsigned shard) -> Task<std::vector<PartitionFacts>> {
    std::vector<PartitionFacts> out;
    for (auto& [tp, partition] : broker->local().partitions) {
      if (topic && tp.topic != *topic) continue;
      storage::Log& log = partition->log();
      out.push_back(PartitionFacts{tp.topic, tp.partition, shard, partition->log_start_offset(),
                                   partition->high_watermark(), log.size_bytes(), log.segment_count()});
    }
    co_return out;
  };
  std::vector<std::vector<PartitionFacts>> per_shard =
      co_await broker->shards().invoke_on_all<std::vector<PartitionFacts>>(on_shard);
  std::vector<PartitionFacts> all;
  for (auto& list : per_shard) {
    for (auto& facts : list) all.push_back(std::move(facts));
  }
  std::sort(all.begin(), all.end(), [](const PartitionFacts& a, const PartitionFacts& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  });
  co_return all;
}

Task<std::string> partitions_json(kafka::Broker* broker, int32_t node_id) {
  std::vector<PartitionFacts> all = co_await gather_partitions(broker, std::nullopt);
  std::string out = "[";
  for (size_t i = 0; i < all.size(); ++i) {
    const PartitionFacts& p = all[i];
    if (i > 0) out.append(", ");
    out.append("{\"ns\": \"kafka\", \"topic\": ").append(json_string(p.topic));
    out.append(", \"partition_id\": ").append(std::to_string(p.partition));
    out.append(", \"core\": ").append(std::to_string(p.shard));
    out.append(", \"materialized\": false, \"leader\": ").append(std::to_string(node_id)).append("}");
  }
  co_return out.append("]");
}

// One partition, in Redpanda's shape (/v1/partitions/{ns}/{topic}) plus its
// offsets and size.
std::string partition_object(const PartitionFacts& p, int32_t node_id) {
  std::string id = std::to_string(node_id);
  std::string out = "{\"ns\": \"kafka\", \"topic\": ";
  out.append(json_string(p.topic));
  out.append(", \"partition_id\": ").append(std::to_string(p.partition));
  out.append(", \"status\": \"done\", \"leader_id\": ").append(id);
  out.append(", \"replicas\": [{\"node_id\": ")
      .append(id)
      .append(", \"core\": ")
      .append(std::to_string(p.shard));
  out.append("}], \"log_start_offset\": ").append(std::to_string(p.log_start_offset));
  out.append(", \"high_watermark\": ").append(std::to_string(p.high_watermark));
  out.append(", \"last_stable_offset\": ").append(std::to_string(p.high_watermark));
  out.append(", \"size_bytes\": ").append(std::to_string(p.size_bytes));
  out.append(", \"segments\": ").append(std::to_string(p.segments)).append("}");
  return out;
}

// What to answer about a topic.
enum class TopicView { kTopic, kPartitions, kPartition };

// /v1/topics/{topic}, /v1/partitions/kafka/{topic} and
// /v1/partitions/kafka/{topic}/{partition}; 404 for a missing topic or partition.
Task<http::Response> topic_response(kafka::Broker* broker, std::string topic, TopicView view,
                                    int32_t partition, int32_t node_id) {
  std::shared_ptr<const kafka::MetadataImage> image = broker->local().metadata;
  const kafka::TopicImage* found = image->find(topic);
  if (found == nullptr) co_return http::json_error(404, "topic " + json_string(topic) + " does not exist");
  if (view == TopicView::kPartition && (partition < 0 || partition >= found->partitions)) {
    std::string why = "topic " + json_string(topic) + " has no partition ";
    co_return http::json_error(404, why.append(std::to_string(partition)));
  }
  std::vector<PartitionFacts> parts = co_await gather_partitions(broker, topic);
  if (view == TopicView::kPartition) {
    for (const PartitionFacts& p : parts) {
      if (p.partition == partition) co_return json_ok(200, partition_object(p, node_id));
    }
    co_return http::json_error(503, "the partition is not open yet; try again shortly");
  }
  std::string list = "[";
  uint64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) list.append(", ");
    list.append(partition_object(parts[i], node_id));
    total += parts[i].size_bytes;
  }
  list.append("]");
  if (view == TopicView::kPartitions) co_return json_ok(200, std::move(list));
  std::string out = "{\"ns\": \"kafka\", \"topic\": ";
  out.append(json_string(found->name));
  out.append(", \"topic_id\": ").append(json_string(to_base64(found->id)));
  out.append(", \"partition_count\": ").append(std::to_string(found->partitions));
  out.append(", \"replication_factor\": ").append(std::to_string(found->replication_factor));
  out.append(", \"internal\": ").append(cluster::is_internal_topic(found->name) ? "true" : "false");
  out.append(", \"configs\": {");
  bool first = true;
  for (const auto& [name, value] : found->configs) {
    if (!first) out.append(", ");
    first = false;
    out.append(json_string(name)).append(": ").append(json_string(value));
  }
  out.append("}, \"size_bytes\": ").append(std::to_string(total));
  out.append(", \"partitions\": ").append(list).append("}");
  co_return json_ok(200, std::move(out));
}

// The topic routes' common part: readiness, names, then the answer from shard 0.
void answer_topic(const std::shared_ptr<AdminListener::State>& state, const http::Request& request,
                  TopicView view, const http::Respond& respond) {
  if (state->broker == nullptr || !state->ready) return respond(not_ready());
  auto ns = request.params.find("namespace");
  if (ns != request.params.end() && ns->second != "kafka") {
    return respond(http::json_error(404, "namespace " + json_string(ns->second) + " does not exist"));
  }
  const std::string& topic = request.params.at("topic");
  if (std::optional<std::string> problem = cluster::topic_name_problem(topic)) {
    return respond(http::json_error(400, *problem));
  }
  int32_t partition = -1;
  if (view == TopicView::kPartition) {
    const std::string& text = request.params.at("partition");
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || value < 0 || value > INT32_MAX ||
        !std::isdigit(static_cast<unsigned char>(text[0]))) {
      return respond(http::json_error(400, "partition must be a number from 0 to 2147483647"));
    }
    partition = static_cast<int32_t>(value);
  }
  auto done = [respond](std::exception_ptr e, http::Response response) {
    respond(e ? http::json_error(500, "internal error while reading the topic") : std::move(response));
  };
  asio::co_spawn(state->shards.context(0),
                 topic_response(state->broker, topic, view, partition, state->config.node_id),
                 std::move(done));
}

// Runs `task` on shard 0 and answers with what it produced.
void respond_with(Shards& shards, Task<std::string> task, http::Respond respond) {
  auto done = [respond](std::exception_ptr e, std::string body) {
    if (!e) {
      respond(json_ok(200, std::move(body)));
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& failure) {
      respond(http::json_error(500, std::string("internal error: ") + failure.what()));
    }
  };
  asio::co_spawn(shards.context(0), std::move(task), std::move(done));
}

metrics::Snapshot gauge(std::string name, std::string help, double value) {
  metrics::Snapshot s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.kind = metrics::Kind::kGauge;
  s.samples.push_back(metrics::Sample{{}, value, {}, 0, 0});
  return s;
}

// Cluster-level gauges from shard 0's metadata image (the scrape runs there).
void collect_cluster(const AdminListener::State& s, std::vector<metrics::Snapshot>& out, bool public_names) {
  const std::string prefix = public_names ? "redpanda_cluster_" : "vectorized_cluster_";
  size_t topics = 0;
  double partitions = 0;
  metrics::Snapshot per_topic;
  metrics::Snapshot replicas;
  per_topic.name = public_names ? "redpanda_kafka_partitions" : "vectorized_cluster_topic_partitions";
  per_topic.help = "Configured number of partitions of a topic";
  per_topic.label_names = public_names ? std::vector<std::string>{"redpanda_namespace", "redpanda_topic"}
                                       : std::vector<std::string>{"namespace", "topic"};
  replicas = per_topic;
  replicas.name = public_names ? "redpanda_kafka_replicas" : "vectorized_cluster_topic_replicas";
  replicas.help = "Configured number of replicas of a topic";
  if (s.broker != nullptr && s.ready) {
    const kafka::MetadataImage& image = *s.broker->local().metadata;
    for (const auto& [name, topic] : image.topics) {
      ++topics;
      partitions += topic->partitions;
      per_topic.samples.push_back(metrics::Sample{{"kafka", name}, double(topic->partitions), {}, 0, 0});
      replicas.samples.push_back(
          metrics::Sample{{"kafka", name}, double(topic->replication_factor), {}, 0, 0});
    }
  }
  out.push_back(gauge(prefix + "healthy",
                      "Whether the cluster is healthy (1) or not (0), as /v1/cluster/health_overview says",
                      s.ready ? 1 : 0));
  out.push_back(gauge(prefix + "brokers", "Brokers in the cluster", 1));
  out.push_back(gauge(prefix + "topics", "Topics in the cluster", double(topics)));
  out.push_back(gauge(prefix + "partitions", "Partitions in the cluster", partitions));
  out.push_back(gauge(prefix + "unavailable_partitions", "Partitions without a leader", 0));
  out.push_back(gauge(prefix + "partition_moving_to_node", "Partition replicas being moved to a node", 0));
  out.push_back(
      gauge(prefix + "partition_moving_from_node", "Partition replicas being moved from a node", 0));
  out.push_back(std::move(per_topic));
  out.push_back(std::move(replicas));
  if (public_names) {
    metrics::Snapshot build = gauge("redpanda_application_build", "Build information", 1);
    build.label_names = {"redpanda_version", "redpanda_revision"};
    build.samples[0].label_values = {std::string("v") + RUNNEL_VERSION, "runnel"};
    out.push_back(std::move(build));
  }
}

http::Response metrics_page(std::vector<metrics::Snapshot> families) {
  http::Response response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics::write_text(families);
  return response;
}

// Adds the consumer-group families (gathered from the shards that own the
// groups) to a metrics page and answers with it.
void with_group_metrics(const std::shared_ptr<AdminListener::State>& state,
                        std::vector<metrics::Snapshot> families, bool public_names, http::Respond respond) {
  if (state->broker == nullptr || !state->ready) return respond(metrics_page(std::move(families)));
  auto page = [](kafka::Broker& broker, std::vector<metrics::Snapshot> families,
                 bool public_names) -> Task<http::Response> {
    std::vector<metrics::Snapshot> groups = co_await group_metric_families(broker, public_names);
    for (auto& g : groups) families.push_back(std::move(g));
    co_return metrics_page(std::move(families));
  };
  auto done = [respond](std::exception_ptr e, http::Response response) {
    respond(e ? http::json_error(500, "internal error while gathering metrics") : std::move(response));
  };
  asio::co_spawn(state->shards.context(0), page(*state->broker, std::move(families), public_names),
                 std::move(done));
}

// /v1/groups/{group}: 404 for a group that does not exist.
void answer_group(const std::shared_ptr<AdminListener::State>& state, std::string group,
                  http::Respond respond) {
  auto done = [respond, group](std::exception_ptr e, std::optional<std::string> body) {
    if (e) return respond(http::json_error(500, "internal error while reading the group"));
    if (!body)
      return respond(http::json_error(404, std::string("group ").append(group).append(" does not exist")));
    respond(json_ok(200, std::move(*body)));
  };
  asio::co_spawn(state->shards.context(0), group_json(*state->broker, group), std::move(done));
}

}  // namespace

AdminListener::AdminListener(Shards& shards, kafka::Broker* broker, const ServeConfig& config)
    : state_(std::make_shared<State>(State{shards, broker, config, config.admin_addr.host, false})),
      server_(std::make_unique<http::AdminServer>(shards.context(0), routes())) {}

AdminListener::~AdminListener() = default;

http::Router AdminListener::routes() {
  http::Router router;
  std::shared_ptr<State> state = state_;
  router.add("GET", "/v1/status/live", [](const http::Request&) { return json_ok(200, "{}"); });
  router.add("GET", "/v1/status/ready", [state](const http::Request&) {
    return state->ready ? json_ok(200, R"({"status": "ready"})") : json_ok(503, R"({"status": "booting"})");
  });
  http::Handler health = [state](const http::Request&) {
    return json_ok(200, health_overview(state->config.node_id, state->ready));
  };
  router.add("GET", "/v1/cluster/health_overview", health);
  router.add("GET", "/v1/cluster/health", health);
  router.add("GET", "/v1/brokers",
             [state](const http::Request&) { return json_ok(200, brokers_json(*state)); });
  router.add("GET", "/v1/node_config", [state, this](const http::Request&) {
    // Bound before the shards run (prepare), so readable from the start.
    uint16_t kafka_port = state->broker != nullptr ? state->broker->bound_port() : 0;
    return json_ok(200, node_config(state->config, kafka_port, server_->port()));
  });
  router.add("GET", "/v1/cluster_config", [state](const http::Request& request) {
    if (state->broker == nullptr) return not_ready();
    std::optional<std::string> defaults = http::query_param(request.target, "include_defaults");
    if (defaults && *defaults != "true" && *defaults != "false") {
      return http::json_error(400, "include_defaults must be true or false");
    }
    return json_ok(200, cluster_config(*state->broker, !defaults || *defaults == "true"));
  });
  router.add_async("GET", "/v1/partitions", [state](const http::Request&, http::Respond respond) {
    if (state->broker == nullptr || !state->ready) return respond(not_ready());
    respond_with(state->shards, partitions_json(state->broker, state->config.node_id), respond);
  });
  router.add_async("GET", "/v1/topics/{topic}", [state](const http::Request& request, http::Respond respond) {
    answer_topic(state, request, TopicView::kTopic, respond);
  });
  router.add_async("GET", "/v1/partitions/{namespace}/{topic}",
                   [state](const http::Request& request, http::Respond respond) {
                     answer_topic(state, request, TopicView::kPartitions, respond);
                   });
  router.add_async("GET", "/v1/partitions/{namespace}/{topic}/{partition}",
                   [state](const http::Request& request, http::Respond respond) {
                     answer_topic(state, request, TopicView::kPartition, respond);
                   });
  router.add_async("GET", "/metrics", [state](const http::Request&, http::Respond respond) {
    std::vector<metrics::Snapshot> families = metrics::default_registry().collect();
    metrics::collect_process(families, false);
    collect_cluster(*state, families, false);
    for (auto& alias : metrics::apply_views(families, metrics::internal_aliases()))
      families.push_back(std::move(alias));
    with_group_metrics(state, std::move(families), false, respond);
  });
  router.add_async("GET", "/public_metrics", [state](const http::Request&, http::Respond respond) {
    std::vector<metrics::Snapshot> internal = metrics::default_registry().collect();
    std::vector<metrics::Snapshot> families = metrics::apply_views(internal, metrics::public_views());
    for (auto& extra : metrics::default_registry().collect_public()) families.push_back(std::move(extra));
    metrics::collect_process(families, true);
    collect_cluster(*state, families, true);
    with_group_metrics(state, std::move(families), true, respond);
  });
  router.add_async("GET", "/v1/groups/{group}", [state](const http::Request& request, http::Respond respond) {
    if (state->broker == nullptr || !state->ready) return respond(not_ready());
    answer_group(state, request.params.at("group"), respond);
  });
  return router;
}

void AdminListener::bind(const std::string& host, uint16_t port) {
  server_->bind(host, port);
  state_->host = host;
}

uint16_t AdminListener::port() const {
  return server_->port();
}

void AdminListener::start() {
  server_->start();
  log::app().info("runnel: admin API on {}:{}", state_->host, server_->port());
}

void AdminListener::stop() {
  server_->stop();
}

void AdminListener::set_ready() {
  state_->ready = true;
}

}  // namespace runnel::app
