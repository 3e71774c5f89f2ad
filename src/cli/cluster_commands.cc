// runnel cluster info (Kafka metadata through librdkafka) and runnel cluster
// health (the admin API's /v1/cluster/health_overview, Redpanda's JSON).
#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/kafka_client.h"
#include "cli/net.h"
#include "cli/table.h"
#include "cli/time_spec.h"

namespace runnel::cli {

namespace {

struct InfoFlags {
  bool brokers_only = false;
  bool topics = false;
  bool internal = false;
};

Outcome<int> cluster_info(const InfoFlags& f, const ClientSettings& s) {
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto md = (*client)->metadata(true);
  if (!md.ok()) return md.failure();
  std::vector<const KafkaClient::Topic*> topics;
  for (const auto& t : md->topics) {
    if (f.internal || !is_internal_topic(t.name)) topics.push_back(&t);
  }
  auto replicas_of = [](const KafkaClient::Topic& t) {
    return t.partitions.empty() ? 0 : static_cast<int>(t.partitions.front().replicas.size());
  };
  if (s.json()) {
    Json out;
    out.set("cluster_id", md->cluster_id.empty() ? Json() : Json(md->cluster_id));
    out.set("controller_id", md->controller_id);
    Json brokers = Json::array();
    for (const auto& b : md->brokers) {
      Json bj;
      bj.set("node_id", b.id);
      bj.set("host", b.host);
      bj.set("port", b.port);
      bj.set("controller", b.id == md->controller_id);
      brokers.push(std::move(bj));
    }
    out.set("brokers", std::move(brokers));
    out.set("topic_count", static_cast<int64_t>(topics.size()));
    Json tj = Json::array();
    for (const auto* t : topics) {
      Json row;
      row.set("name", t->name);
      row.set("partitions", static_cast<int64_t>(t->partitions.size()));
      row.set("replicas", replicas_of(*t));
      tj.push(std::move(row));
    }
    out.set("topics", std::move(tj));
    print_json(out);
    return kExitOk;
  }
  std::string text;
  if (!f.brokers_only) {
    text.append(section_title("CLUSTER"));
    text.append(key_values({{"CLUSTER-ID", md->cluster_id.empty() ? "-" : md->cluster_id},
                            {"CONTROLLER", std::to_string(md->controller_id)},
                            {"BROKERS", std::to_string(md->brokers.size())},
                            {"TOPICS", std::to_string(topics.size())}}));
    text.push_back('\n');
  }
  text.append(section_title("BROKERS"));
  Table bt({"ID", "HOST", "PORT"});
  for (const auto& b : md->brokers) {
    std::string id = std::to_string(b.id);
    if (b.id == md->controller_id) id.push_back('*');
    bt.add({id, b.host, std::to_string(b.port)});
  }
  text.append(bt.render());
  if (f.topics && !f.brokers_only) {
    text.push_back('\n');
    text.append(section_title("TOPICS"));
    Table tt({"NAME", "PARTITIONS", "REPLICAS"});
    for (const auto* t : topics)
      tt.add({t->name, std::to_string(t->partitions.size()), std::to_string(replicas_of(*t))});
    text.append(tt.render());
  }
  print_out(text);
  return kExitOk;
}

struct HealthFlags {
  bool wait = false;
  std::string timeout;
};

std::string list_text(const Json* v) {
  if (!v || v->is_null()) return "[]";
  if (!v->is_array()) return v->dump();
  std::string out = "[";
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    const Json& e = v->as_array()[i];
    if (i) out.push_back(' ');
    out.append(e.is_string() ? e.as_string() : e.dump());
  }
  return out.append("]");
}

std::string count_text(const Json& doc, const char* count_key, const char* list_key) {
  if (const Json* c = doc.find(count_key); c && c->is_number()) return std::to_string(c->as_int());
  const Json* l = doc.find(list_key);
  return std::to_string(l && l->is_array() ? l->as_array().size() : 0);
}

Outcome<Json> fetch_health(const ClientSettings& s) {
  auto response =
      http_get(s.admin, "/v1/cluster/health_overview", std::max<int64_t>(s.connect_timeout_ms, 5000));
  if (!response.ok()) {
    std::string m = "cannot reach the admin API at ";
    m.append(s.admin.to_string()).append(": ").append(response.error());
    return fail(std::move(m));
  }
  if (response->status != 200) {
    std::string m = "the admin API at ";
    m.append(s.admin.to_string()).append(" answered HTTP ").append(std::to_string(response->status));
    m.append(": ").append(response->body.substr(0, 200));
    return fail(std::move(m));
  }
  auto doc = Json::parse(response->body);
  if (!doc.ok()) return fail("the admin API's health overview is not JSON: " + doc.error());
  const Json* healthy = doc->find("is_healthy");
  if (!healthy || !healthy->is_bool()) return fail("the admin API's health overview has no is_healthy");
  return doc;
}

Outcome<int> cluster_health(const HealthFlags& f, const ClientSettings& s) {
  int64_t deadline = -1;
  if (!f.timeout.empty()) {
    auto ms = parse_duration_ms(f.timeout);
    if (!ms.ok()) return fail("--timeout: " + ms.error());
    deadline = unix_now_ms() + *ms;
  }
  auto doc = fetch_health(s);
  // --exit-when-healthy polls until healthy (or the timeout), riding out a
  // broker that is still starting.
  while (f.wait && (!doc.ok() || !doc->find("is_healthy")->as_bool()) &&
         (deadline < 0 || unix_now_ms() < deadline)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    doc = fetch_health(s);
  }
  if (!doc.ok()) return doc.failure();
  const bool healthy = doc->find("is_healthy")->as_bool();
  if (s.json()) {
    print_json(*doc);
  } else {
    const Json* controller = doc->find("controller_id");
    std::string text = section_title("CLUSTER HEALTH OVERVIEW");
    text.append(key_values({
        {"Healthy:", healthy ? "true" : "false"},
        {"Unhealthy reasons:", list_text(doc->find("unhealthy_reasons"))},
        {"Controller ID:",
         controller && controller->is_number() ? std::to_string(controller->as_int()) : "-"},
        {"All nodes:", list_text(doc->find("all_nodes"))},
        {"Nodes down:", list_text(doc->find("nodes_down"))},
        {"Leaderless partitions (" + count_text(*doc, "leaderless_count", "leaderless_partitions") + "):",
         list_text(doc->find("leaderless_partitions"))},
        {"Under-replicated partitions (" +
             count_text(*doc, "under_replicated_count", "under_replicated_partitions") + "):",
         list_text(doc->find("under_replicated_partitions"))},
    }));
    print_out(text);
  }
  return healthy ? kExitOk : kExitFailure;
}

}  // namespace

void add_cluster_commands(CLI::App& cluster, CommandRegistry& registry) {
  {
    auto f = std::make_shared<InfoFlags>();
    CLI::App* cmd =
        cluster.add_subcommand("info", "Show the cluster id, controller, brokers and topic count");
    cmd->alias("metadata");
    cmd->add_flag("-b,--print-brokers", f->brokers_only, "Print only the brokers");
    cmd->add_flag("-t,--print-topics", f->topics, "Also print every topic");
    cmd->add_flag("-i,--print-internal-topics", f->internal, "Count and print internal topics too");
    cmd->footer(
        examples({"runnel cluster info", "runnel cluster info -t", "runnel cluster info --format json"}) +
        "\nThe controller is marked with * in the BROKERS section.\n");
    registry.add(cmd, [f](const ClientSettings& s) { return cluster_info(*f, s); });
  }
  {
    auto f = std::make_shared<HealthFlags>();
    CLI::App* cmd = cluster.add_subcommand(
        "health", "Ask the admin API whether the cluster is healthy; exit 0 if it is, 1 if not");
    cmd->add_flag("-e,--exit-when-healthy", f->wait, "Wait until the cluster is healthy, then exit 0");
    cmd->add_option("--timeout", f->timeout, "With -e, give up after this long, e.g. 30s [wait forever]")
        ->type_name("DURATION");
    cmd->footer(
        examples({"runnel cluster health", "runnel cluster health --admin-url 10.0.0.5:9644",
                  "runnel cluster health -e --timeout 60s && ./start-app",
                  "runnel cluster health --format json"}) +
        "\nReads GET /v1/cluster/health_overview from the admin API (--admin-url, -X admin.hosts=, env "
        "RUNNEL_ADMIN_URL).\n");
    registry.add(cmd, [f](const ClientSettings& s) { return cluster_health(*f, s); });
  }
}

}  // namespace runnel::cli
