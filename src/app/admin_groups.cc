#include "app/admin_groups.h"

#include <map>
#include <set>

#include "base/byte_reader.h"
#include "http/router.h"
#include "kafka/group/group_lag.h"
#include "kafka/group/group_views.h"
#include "protocol/kafka/generated/data/consumer_protocol_assignment.h"

namespace runnel::app {

namespace {

using Assignment = std::vector<std::pair<std::string, std::vector<int32_t>>>;

// A consumer-protocol member's assignment (int16 version, then
// ConsumerProtocolAssignment); empty when it is not one.
Assignment decode_assignment(const std::vector<uint8_t>& bytes) {
  Assignment out;
  ByteReader r(bytes.data(), bytes.size());
  const int16_t version = r.read_i16();
  if (!r.ok() || version < 0) return out;
  kafka::ConsumerProtocolAssignment assignment;
  assignment.decode(r,
                    std::min<int16_t>(version, kafka::ConsumerProtocolAssignment::kHighestSupportedVersion));
  if (!r.ok()) return out;
  for (const auto& tp : assignment.assigned_partitions)
    out.emplace_back(std::string(tp.topic), tp.partitions);
  return out;
}

std::string optional_json(const std::optional<std::string>& value) {
  return value ? http::json_string(*value) : std::string("null");
}

metrics::Snapshot family(std::string name, std::string help, std::vector<std::string> labels) {
  metrics::Snapshot s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.kind = metrics::Kind::kGauge;
  s.label_names = std::move(labels);
  return s;
}

}  // namespace

Task<std::optional<std::string>> group_json(kafka::Broker& broker, std::string group) {
  kafka::GroupSummary summary = co_await kafka::describe_group(broker, group);
  if (summary.state == kafka::group_state_name(kafka::GroupState::kDead)) co_return std::nullopt;
  kafka::GroupLag lag = co_await kafka::group_lag(broker, group);
  std::string out = "{\"group_id\": ";
  out.append(http::json_string(summary.group_id));
  out.append(", \"state\": ").append(http::json_string(summary.state));
  out.append(", \"protocol_type\": ").append(http::json_string(summary.protocol_type));
  out.append(", \"protocol\": ").append(http::json_string(summary.protocol_name));
  out.append(", \"members\": [");
  for (size_t i = 0; i < summary.members.size(); ++i) {
    const auto& m = summary.members[i];
    if (i > 0) out.append(", ");
    out.append("{\"member_id\": ").append(http::json_string(m.member_id));
    out.append(", \"group_instance_id\": ").append(optional_json(m.group_instance_id));
    out.append(", \"client_id\": ").append(http::json_string(m.client_id));
    out.append(", \"client_host\": ").append(http::json_string(m.client_host));
    out.append(", \"assignments\": [");
    Assignment assigned =
        summary.protocol_type == "consumer" ? decode_assignment(m.assignment) : Assignment{};
    for (size_t j = 0; j < assigned.size(); ++j) {
      if (j > 0) out.append(", ");
      out.append("{\"topic\": ").append(http::json_string(assigned[j].first)).append(", \"partitions\": [");
      for (size_t k = 0; k < assigned[j].second.size(); ++k) {
        if (k > 0) out.append(", ");
        out.append(std::to_string(assigned[j].second[k]));
      }
      out.append("]}");
    }
    out.append("]}");
  }
  out.append("], \"offsets\": [");
  for (size_t i = 0; i < lag.partitions.size(); ++i) {
    const kafka::PartitionLag& p = lag.partitions[i];
    if (i > 0) out.append(", ");
    out.append("{\"topic\": ").append(http::json_string(p.topic));
    out.append(", \"partition\": ").append(std::to_string(p.partition));
    out.append(", \"committed_offset\": ").append(std::to_string(p.committed));
    out.append(", \"high_watermark\": ").append(std::to_string(p.high_watermark));
    out.append(", \"lag\": ").append(std::to_string(p.lag)).append("}");
  }
  out.append("], \"total_lag\": ").append(std::to_string(lag.total()));
  out.append(", \"max_lag\": ").append(std::to_string(lag.max())).append("}");
  co_return out;
}

Task<std::vector<metrics::Snapshot>> group_metric_families(kafka::Broker& broker, bool public_names) {
  std::vector<kafka::GroupLag> lags = co_await kafka::all_group_lag(broker);
  std::vector<kafka::GroupSummary> groups = co_await kafka::list_groups(broker);
  const std::string prefix = public_names ? "redpanda_kafka_consumer_group_" : "vectorized_kafka_group_";
  const std::string group_label = public_names ? "redpanda_group" : "group";
  const std::string topic_label = public_names ? "redpanda_topic" : "topic";
  const std::string partition_label = public_names ? "redpanda_partition" : "partition";

  metrics::Snapshot committed =
      family(prefix + "committed_offset", "Committed offset of a consumer group on a partition",
             {group_label, topic_label, partition_label});
  // Redpanda's public names end in _max and _sum; promtool's lint reserves
  // _sum for summaries and histograms, so the internal page says total_lag.
  metrics::Snapshot lag_max = family(public_names ? prefix + "lag_max" : prefix + "max_lag",
                                     "Largest lag of a consumer group over its partitions", {group_label});
  metrics::Snapshot lag_sum = family(public_names ? prefix + "lag_sum" : prefix + "total_lag",
                                     "Sum of a consumer group's lag over its partitions", {group_label});
  metrics::Snapshot consumers = family(prefix + "consumers", "Members of a consumer group", {group_label});
  metrics::Snapshot topics =
      family(prefix + "topics", "Topics a consumer group has committed offsets for", {group_label});
  for (const kafka::GroupLag& g : lags) {
    std::set<std::string> group_topics;
    for (const kafka::PartitionLag& p : g.partitions) {
      committed.samples.push_back(
          metrics::Sample{{g.group, p.topic, std::to_string(p.partition)}, double(p.committed), {}, 0, 0});
      group_topics.insert(p.topic);
    }
    lag_max.samples.push_back(metrics::Sample{{g.group}, double(g.max()), {}, 0, 0});
    lag_sum.samples.push_back(metrics::Sample{{g.group}, double(g.total()), {}, 0, 0});
    topics.samples.push_back(metrics::Sample{{g.group}, double(group_topics.size()), {}, 0, 0});
  }
  for (const kafka::GroupSummary& g : groups) {
    consumers.samples.push_back(metrics::Sample{{g.group_id}, double(g.members.size()), {}, 0, 0});
  }
  // A node with no groups shows no group families at all.
  std::vector<metrics::Snapshot> out;
  for (metrics::Snapshot* f : {&committed, &lag_max, &lag_sum, &consumers, &topics}) {
    if (!f->samples.empty()) out.push_back(std::move(*f));
  }
  co_return out;
}

}  // namespace runnel::app
