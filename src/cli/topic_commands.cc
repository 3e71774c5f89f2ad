// runnel topic create|list|describe|delete|alter-config|add-partitions|trim-prefix
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "cli/command.h"
#include "cli/kafka_client.h"
#include "cli/offset_spec.h"
#include "cli/table.h"
#include "cli/time_spec.h"

namespace runnel::cli {

namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct DeleteTopicDeleter {
  void operator()(rd_kafka_DeleteTopic_t* t) const { rd_kafka_DeleteTopic_destroy(t); }
};
struct NewPartitionsDeleter {
  void operator()(rd_kafka_NewPartitions_t* t) const { rd_kafka_NewPartitions_destroy(t); }
};
struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};
struct DeleteRecordsDeleter {
  void operator()(rd_kafka_DeleteRecords_t* r) const { rd_kafka_DeleteRecords_destroy(r); }
};

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out.push_back(' ');
    out.append(std::to_string(ids[i]));
  }
  return out.append("]");
}

Json ids_json(const std::vector<int32_t>& ids) {
  Json a = Json::array();
  for (int32_t id : ids) a.push(id);
  return a;
}

// A topic's per-topic result of a CreateTopics/DeleteTopics/CreatePartitions.
struct TopicStatus {
  std::string topic;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;
};

std::vector<TopicStatus> topic_statuses(const rd_kafka_topic_result_t** results, size_t n) {
  std::vector<TopicStatus> out;
  for (size_t i = 0; i < n; ++i) {
    TopicStatus s;
    s.topic = rd_kafka_topic_result_name(results[i]);
    s.err = rd_kafka_topic_result_error(results[i]);
    if (s.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      s.message = kafka_error(s.err, rd_kafka_topic_result_error_string(results[i]));
    out.push_back(std::move(s));
  }
  return out;
}

// Prints TOPIC STATUS (or {"topic","status","error"} lines) and gives the exit code.
int print_statuses(const std::vector<TopicStatus>& statuses, const ClientSettings& s,
                   const char* status_header) {
  bool any_error = false;
  if (s.json()) {
    Json out = Json::array();
    for (const TopicStatus& st : statuses) {
      Json row;
      row.set("topic", st.topic);
      row.set("ok", st.err == RD_KAFKA_RESP_ERR_NO_ERROR);
      if (st.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        row.set("error", kafka_error_name(st.err));
        row.set("message", st.message);
      }
      out.push(std::move(row));
      any_error = any_error || st.err != RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    print_json(out);
  } else {
    Table t({"TOPIC", status_header});
    for (const TopicStatus& st : statuses) {
      t.add({st.topic, st.err == RD_KAFKA_RESP_ERR_NO_ERROR ? "OK" : st.message});
      any_error = any_error || st.err != RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    print_out(t.render());
  }
  return any_error ? kExitFailure : kExitOk;
}

// "604800000" stays; "7d" or "1h" becomes milliseconds.
Outcome<std::string> milliseconds_value(const std::string& text, std::string_view flag) {
  if (text == "-1") return text;
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return text;
  }
  auto ms = parse_duration_ms(text);
  if (!ms.ok()) return fail(std::string(flag).append(": ").append(ms.error()));
  return std::to_string(*ms);
}

// ---- create ----

struct CreateFlags {
  std::vector<std::string> topics;
  int partitions = -1;
  int replicas = -1;
  std::vector<std::string> configs;
  std::string retention_ms;
  std::string segment_ms;
  bool dry_run = false;
};

Outcome<int> topic_create(const CreateFlags& f, const ClientSettings& s) {
  if (f.partitions == 0 || f.partitions < -1) return fail("--partitions must be at least 1");
  if (f.replicas == 0 || f.replicas < -1) return fail("--replicas must be at least 1");
  std::vector<std::pair<std::string, std::string>> configs;
  for (const std::string& c : f.configs) {
    auto kv = split_key_value(c, "--topic-config");
    if (!kv.ok()) return kv.failure();
    configs.push_back(*kv);
  }
  if (!f.retention_ms.empty()) {
    auto v = milliseconds_value(f.retention_ms, "--retention-ms");
    if (!v.ok()) return v.failure();
    configs.emplace_back("retention.ms", *v);
  }
  if (!f.segment_ms.empty()) {
    auto v = milliseconds_value(f.segment_ms, "--segment-ms");
    if (!v.ok()) return v.failure();
    configs.emplace_back("segment.ms", *v);
  }
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>> topics;
  char errstr[512];
  for (const std::string& name : f.topics) {
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(name.c_str(), f.partitions, f.replicas, errstr, sizeof errstr);
    if (!t) return fail(std::string("topic ").append(name).append(": ").append(errstr));
    topics.emplace_back(t);
    for (const auto& [k, v] : configs) {
      if (rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(std::string("config ").append(k).append(": rejected by the client"));
      }
    }
  }
  std::vector<rd_kafka_NewTopic_t*> raw;
  for (auto& t : topics) raw.push_back(t.get());
  auto event = (*client)->admin(
      RD_KAFKA_ADMIN_OP_CREATETOPICS,
      [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_CreateTopics((*client)->handle(), raw.data(), raw.size(), o, q);
      },
      f.dry_run);
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &n);
  return print_statuses(topic_statuses(results, n), s, f.dry_run ? "STATUS (DRY RUN)" : "STATUS");
}

// ---- list ----

struct ListFlags {
  bool detailed = false;
  bool internal = false;
};

Outcome<int> topic_list(const ListFlags& f, const ClientSettings& s) {
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto md = (*client)->metadata();
  if (!md.ok()) return md.failure();
  std::vector<const KafkaClient::Topic*> topics;
  for (const auto& t : md->topics) {
    if (f.internal || !is_internal_topic(t.name)) topics.push_back(&t);
  }
  auto replicas_of = [](const KafkaClient::Topic& t) {
    return t.partitions.empty() ? 0 : static_cast<int>(t.partitions.front().replicas.size());
  };
  if (s.json()) {
    Json out = Json::array();
    for (const auto* t : topics) {
      Json row;
      row.set("name", t->name);
      row.set("partitions", static_cast<int64_t>(t->partitions.size()));
      row.set("replicas", replicas_of(*t));
      if (f.detailed) {
        Json parts = Json::array();
        for (const auto& p : t->partitions) {
          Json pj;
          pj.set("partition", p.id);
          pj.set("leader", p.leader);
          pj.set("replicas", ids_json(p.replicas));
          pj.set("in_sync_replicas", ids_json(p.isr));
          parts.push(std::move(pj));
        }
        row.set("partition_details", std::move(parts));
      }
      out.push(std::move(row));
    }
    print_json(out);
    return kExitOk;
  }
  if (!f.detailed) {
    Table table({"NAME", "PARTITIONS", "REPLICAS"});
    for (const auto* t : topics) {
      table.add({t->name, std::to_string(t->partitions.size()), std::to_string(replicas_of(*t))});
    }
    print_out(table.render());
    return kExitOk;
  }
  std::string out;
  for (size_t i = 0; i < topics.size(); ++i) {
    const auto* t = topics[i];
    if (i) out.push_back('\n');
    out.append(t->name)
        .append(", ")
        .append(std::to_string(t->partitions.size()))
        .append(" partitions, ")
        .append(std::to_string(replicas_of(*t)))
        .append(" replicas\n");
    Table table({"", "PARTITION", "LEADER", "REPLICAS", "IN-SYNC-REPLICAS"});
    for (const auto& p : t->partitions) {
      table.add({"", std::to_string(p.id), std::to_string(p.leader), join_ids(p.replicas), join_ids(p.isr)});
    }
    out.append(table.render());
  }
  print_out(out);
  return kExitOk;
}

// ---- describe ----

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;
  std::string source;
  bool sensitive = false;
  bool read_only = false;
};

// DescribeConfigs of one topic: its entries sorted by name.
Outcome<std::vector<ConfigEntry>> describe_topic_configs(KafkaClient& client, const std::string& topic) {
  std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> res(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  rd_kafka_ConfigResource_t* raw = res.get();
  auto event =
      client.admin(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DescribeConfigs(client.handle(), &raw, 1, o, q);
      });
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event->get()), &n);
  if (n != 1) return fail("the broker answered DescribeConfigs without the topic");
  if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[0]);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return fail(std::string("topic ").append(topic).append(": ").append(
        kafka_error(err, rd_kafka_ConfigResource_error_string(resources[0]))));
  }
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &count);
  std::vector<ConfigEntry> out;
  for (size_t i = 0; i < count; ++i) {
    ConfigEntry e;
    e.name = rd_kafka_ConfigEntry_name(entries[i]);
    if (const char* v = rd_kafka_ConfigEntry_value(entries[i])) e.value = v;
    e.source = rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[i]));
    e.sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[i]);
    e.read_only = rd_kafka_ConfigEntry_is_read_only(entries[i]);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

struct DescribeFlags {
  std::vector<std::string> topics;
  bool print_partitions = false;
  bool print_configs = false;
  bool print_summary = false;
};

Outcome<int> topic_describe(const DescribeFlags& f, const ClientSettings& s) {
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto md = (*client)->topics_metadata(f.topics);
  if (!md.ok()) return md.failure();
  const bool any_section = f.print_partitions || f.print_configs || f.print_summary;
  const bool summary = s.json() || f.print_summary || !any_section;
  const bool configs = s.json() || f.print_configs || !any_section;
  const bool partitions = s.json() || f.print_partitions;
  Json all = Json::array();
  std::string out;
  for (size_t ti = 0; ti < md->topics.size(); ++ti) {
    const KafkaClient::Topic& t = md->topics[ti];
    const int replicas = t.partitions.empty() ? 0 : static_cast<int>(t.partitions.front().replicas.size());
    Json tj;
    if (ti) out.push_back('\n');
    if (summary) {
      tj.set("name", t.name);
      tj.set("partitions", static_cast<int64_t>(t.partitions.size()));
      tj.set("replicas", replicas);
      if (!s.json()) {
        if (any_section || configs) out.append(section_title("SUMMARY"));
        out.append(key_values({{"NAME", t.name},
                               {"PARTITIONS", std::to_string(t.partitions.size())},
                               {"REPLICAS", std::to_string(replicas)}}));
      }
    }
    if (configs) {
      auto entries = describe_topic_configs(**client, t.name);
      if (!entries.ok()) return entries.failure();
      Json cj = Json::array();
      Table table({"KEY", "VALUE", "SOURCE"});
      for (const ConfigEntry& e : *entries) {
        const std::string shown = e.sensitive ? "(sensitive)" : e.value.value_or("");
        table.add({e.name, shown, e.source});
        Json ej;
        ej.set("key", e.name);
        ej.set("value", e.sensitive || !e.value ? Json() : Json(*e.value));
        ej.set("source", e.source);
        ej.set("sensitive", e.sensitive);
        ej.set("read_only", e.read_only);
        cj.push(std::move(ej));
      }
      tj.set("configs", std::move(cj));
      if (!s.json()) {
        if (summary) out.push_back('\n');
        out.append(section_title("CONFIGS")).append(table.render());
      }
    }
    if (partitions) {
      Json pj = Json::array();
      Table table(
          {"PARTITION", "LEADER", "REPLICAS", "IN-SYNC-REPLICAS", "LOG-START-OFFSET", "HIGH-WATERMARK"});
      for (const auto& p : t.partitions) {
        auto w = (*client)->watermarks(t.name, p.id);
        if (!w.ok()) return w.failure();
        table.add({std::to_string(p.id), std::to_string(p.leader), join_ids(p.replicas), join_ids(p.isr),
                   std::to_string(w->low), std::to_string(w->high)});
        Json row;
        row.set("partition", p.id);
        row.set("leader", p.leader);
        row.set("replicas", ids_json(p.replicas));
        row.set("in_sync_replicas", ids_json(p.isr));
        row.set("log_start_offset", w->low);
        row.set("high_watermark", w->high);
        if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) row.set("error", kafka_error_name(p.err));
        pj.push(std::move(row));
      }
      tj.set("partition_details", std::move(pj));
      if (!s.json()) {
        if (summary || configs) {
          out.push_back('\n');
          out.append(section_title("PARTITIONS"));
        }
        out.append(table.render());
      }
    }
    all.push(std::move(tj));
  }
  if (s.json()) {
    print_json(f.topics.size() == 1 ? all.as_array().front() : all);
  } else {
    print_out(out);
  }
  return kExitOk;
}

// ---- delete ----

struct DeleteFlags {
  std::vector<std::string> topics;
};

Outcome<int> topic_delete(const DeleteFlags& f, const ClientSettings& s) {
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  std::vector<std::unique_ptr<rd_kafka_DeleteTopic_t, DeleteTopicDeleter>> topics;
  std::vector<rd_kafka_DeleteTopic_t*> raw;
  for (const std::string& name : f.topics) {
    topics.emplace_back(rd_kafka_DeleteTopic_new(name.c_str()));
    raw.push_back(topics.back().get());
  }
  auto event =
      (*client)->admin(RD_KAFKA_ADMIN_OP_DELETETOPICS, [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteTopics((*client)->handle(), raw.data(), raw.size(), o, q);
      });
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event->get()), &n);
  return print_statuses(topic_statuses(results, n), s, "STATUS");
}

// ---- alter-config ----

struct AlterFlags {
  std::vector<std::string> topics;
  std::vector<std::string> set;
  std::vector<std::string> del;
  bool dry_run = false;
};

// librdkafka 2.0 has only the non-incremental AlterConfigs, which replaces a
// topic's whole set of overrides: read the current overrides, change them,
// send them all back.
Outcome<int> topic_alter_config(const AlterFlags& f, const ClientSettings& s) {
  if (f.set.empty() && f.del.empty()) return fail("nothing to change: give --set key=value or --delete key");
  std::vector<std::pair<std::string, std::string>> sets;
  for (const std::string& kv : f.set) {
    auto parsed = split_key_value(kv, "--set");
    if (!parsed.ok()) return parsed.failure();
    sets.push_back(*parsed);
  }
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  std::vector<TopicStatus> statuses;
  for (const std::string& topic : f.topics) {
    TopicStatus st;
    st.topic = topic;
    auto entries = describe_topic_configs(**client, topic);
    if (!entries.ok()) return entries.failure();
    std::map<std::string, std::string> overrides;
    for (const ConfigEntry& e : *entries) {
      if (e.source == "DYNAMIC_TOPIC_CONFIG" && e.value) overrides[e.name] = *e.value;
    }
    for (const std::string& k : f.del) overrides.erase(k);
    for (const auto& [k, v] : sets) overrides[k] = v;
    std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> res(
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
    for (const auto& [k, v] : overrides) rd_kafka_ConfigResource_set_config(res.get(), k.c_str(), v.c_str());
    rd_kafka_ConfigResource_t* raw = res.get();
    auto event = (*client)->admin(
        RD_KAFKA_ADMIN_OP_ALTERCONFIGS,
        [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
          rd_kafka_AlterConfigs((*client)->handle(), &raw, 1, o, q);
        },
        f.dry_run);
    if (!event.ok()) return event.failure();
    size_t n = 0;
    const rd_kafka_ConfigResource_t** results =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event->get()), &n);
    if (n == 1) {
      st.err = rd_kafka_ConfigResource_error(results[0]);
      if (st.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        st.message = kafka_error(st.err, rd_kafka_ConfigResource_error_string(results[0]));
      }
    }
    statuses.push_back(std::move(st));
  }
  return print_statuses(statuses, s, f.dry_run ? "STATUS (DRY RUN)" : "STATUS");
}

// ---- add-partitions ----

struct AddPartitionsFlags {
  std::vector<std::string> topics;
  int num = 0;
};

Outcome<int> topic_add_partitions(const AddPartitionsFlags& f, const ClientSettings& s) {
  if (f.num < 1) return fail("--num must be at least 1 (partitions to add)");
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto md = (*client)->topics_metadata(f.topics);
  if (!md.ok()) return md.failure();
  std::vector<std::unique_ptr<rd_kafka_NewPartitions_t, NewPartitionsDeleter>> parts;
  std::vector<rd_kafka_NewPartitions_t*> raw;
  char errstr[512];
  for (const auto& t : md->topics) {
    const size_t total = t.partitions.size() + static_cast<size_t>(f.num);
    rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(t.name.c_str(), total, errstr, sizeof errstr);
    if (!np) return fail(std::string("topic ").append(t.name).append(": ").append(errstr));
    parts.emplace_back(np);
    raw.push_back(np);
  }
  auto event = (*client)->admin(
      RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_CreatePartitions((*client)->handle(), raw.data(), raw.size(), o, q);
      });
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event->get()), &n);
  return print_statuses(topic_statuses(results, n), s, "ERROR");
}

// ---- trim-prefix ----

struct TrimFlags {
  std::string topic;
  std::string offset;
  std::vector<int32_t> partitions;
  bool no_confirm = false;
};

Outcome<int> topic_trim_prefix(const TrimFlags& f, const ClientSettings& s) {
  auto spec = parse_offset_spec(f.offset, unix_now_ms());
  if (!spec.ok()) return spec.failure();
  using Kind = OffsetBound::Kind;
  if (spec->until || (spec->from.kind != Kind::kExact && spec->from.kind != Kind::kEnd &&
                      spec->from.kind != Kind::kTimestamp)) {
    return fail("--offset for trim-prefix is an offset N, end, or @TIME");
  }
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto md = (*client)->topics_metadata({f.topic});
  if (!md.ok()) return md.failure();
  const KafkaClient::Topic& t = md->topics.front();
  std::vector<int32_t> partitions = f.partitions;
  if (partitions.empty()) {
    for (const auto& p : t.partitions) partitions.push_back(p.id);
  }
  for (int32_t p : partitions) {
    if (p < 0 || p >= static_cast<int32_t>(t.partitions.size())) {
      return fail("topic " + t.name + " has no partition " + std::to_string(p));
    }
  }
  std::vector<int64_t> by_time;
  if (spec->from.kind == Kind::kTimestamp) {
    auto offs = (*client)->offsets_for_time(t.name, partitions, spec->from.value);
    if (!offs.ok()) return offs.failure();
    by_time = std::move(*offs);
  }
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (size_t i = 0; i < partitions.size(); ++i) {
    int64_t offset = spec->from.value;
    if (spec->from.kind != Kind::kExact) {
      auto w = (*client)->watermarks(t.name, partitions[i]);
      if (!w.ok()) return w.failure();
      offset = spec->from.kind == Kind::kEnd ? w->high : (by_time[i] < 0 ? w->high : by_time[i]);
    }
    rd_kafka_topic_partition_list_add(list.get(), t.name.c_str(), partitions[i])->offset = offset;
  }
  if (!f.no_confirm && ::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "Delete every record of %s before offset %s in %zu partition(s)? [y/N] ",
                 t.name.c_str(), f.offset.c_str(), partitions.size());
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::fprintf(stderr, "not trimmed\n");
      return kExitFailure;
    }
  }
  std::unique_ptr<rd_kafka_DeleteRecords_t, DeleteRecordsDeleter> del(rd_kafka_DeleteRecords_new(list.get()));
  rd_kafka_DeleteRecords_t* raw = del.get();
  auto event =
      (*client)->admin(RD_KAFKA_ADMIN_OP_DELETERECORDS, [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteRecords((*client)->handle(), &raw, 1, o, q);
      });
  if (!event.ok()) return event.failure();
  const rd_kafka_topic_partition_list_t* result =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event->get()));
  bool any_error = false;
  Table table({"TOPIC", "PARTITION", "NEW-START-OFFSET", "ERROR"});
  Json out = Json::array();
  for (int i = 0; result && i < result->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = result->elems[i];
    const bool ok = tp.err == RD_KAFKA_RESP_ERR_NO_ERROR;
    any_error = any_error || !ok;
    table.add({tp.topic, std::to_string(tp.partition), ok ? std::to_string(tp.offset) : "-",
               ok ? "" : kafka_error(tp.err)});
    Json row;
    row.set("topic", tp.topic);
    row.set("partition", tp.partition);
    if (ok) {
      row.set("new_start_offset", tp.offset);
    } else {
      row.set("error", kafka_error_name(tp.err));
      row.set("message", kafka_error(tp.err));
    }
    out.push(std::move(row));
  }
  if (s.json()) {
    print_json(out);
  } else {
    print_out(table.render());
  }
  return any_error ? kExitFailure : kExitOk;
}

}  // namespace

void add_topic_commands(CLI::App& topic, CommandRegistry& registry) {
  {
    auto f = std::make_shared<CreateFlags>();
    CLI::App* cmd = topic.add_subcommand("create", "Create topics");
    cmd->add_option("topics", f->topics, "Topic names")->required()->type_name("TOPIC...");
    cmd->add_option("-p,--partitions", f->partitions, "Partitions per topic [the broker's num.partitions]")
        ->type_name("N");
    cmd->add_option("-r,--replicas", f->replicas, "Replicas per partition [the broker's default]")
        ->type_name("N");
    cmd->add_option("-c,--topic-config", f->configs,
                    "A topic config, e.g. -c cleanup.policy=compact (repeatable)")
        ->type_name("KEY=VALUE");
    cmd->add_option("--retention-ms", f->retention_ms, "retention.ms: milliseconds or a duration like 7d, 1h")
        ->type_name("MS");
    cmd->add_option("--segment-ms", f->segment_ms, "segment.ms: milliseconds or a duration like 5m")
        ->type_name("MS");
    cmd->add_flag("-d,--dry-run", f->dry_run, "Ask the broker to validate only; nothing is created");
    cmd->footer(
        examples({"runnel topic create orders", "runnel topic create a b c -p 6 -r 1",
                  "runnel topic create heatpump-realtime --partitions 1 --replicas 1 --retention-ms 3600000 "
                  "--segment-ms 300000",
                  "runnel topic create events -c cleanup.policy=compact -c retention.ms=-1"}));
    registry.add(cmd, [f](const ClientSettings& s) { return topic_create(*f, s); });
  }
  {
    auto f = std::make_shared<ListFlags>();
    CLI::App* cmd = topic.add_subcommand("list", "List topics");
    cmd->alias("ls");
    cmd->add_flag("-d,--detailed", f->detailed,
                  "Show each partition's leader, replicas and in-sync replicas");
    cmd->add_flag("-i,--internal", f->internal, "Include internal topics such as __consumer_offsets");
    cmd->footer(examples({"runnel topic list", "runnel topic list -d", "runnel topic list --format json"}));
    registry.add(cmd, [f](const ClientSettings& s) { return topic_list(*f, s); });
  }
  {
    auto f = std::make_shared<DescribeFlags>();
    CLI::App* cmd =
        topic.add_subcommand("describe", "Show a topic's summary, configs (with sources) and partitions");
    cmd->alias("info");
    cmd->add_option("topics", f->topics, "Topic names")->required()->type_name("TOPIC...");
    cmd->add_flag("-p,--print-partitions", f->print_partitions,
                  "Print the partitions section: leader, replicas, log start offset, high watermark");
    cmd->add_flag("-c,--print-configs", f->print_configs, "Print the configs section");
    cmd->add_flag("-s,--print-summary", f->print_summary, "Print the summary section");
    cmd->footer(
        examples({"runnel topic describe orders", "runnel topic describe orders -p",
                  "runnel topic describe orders -s -c -p", "runnel topic describe orders --format json"}) +
        "\nWithout -p, -c or -s the summary and configs are printed; --format json prints all three.\n");
    registry.add(cmd, [f](const ClientSettings& s) { return topic_describe(*f, s); });
  }
  {
    auto f = std::make_shared<DeleteFlags>();
    CLI::App* cmd = topic.add_subcommand("delete", "Delete topics and all their records");
    cmd->add_option("topics", f->topics, "Topic names")->required()->type_name("TOPIC...");
    cmd->footer(examples({"runnel topic delete orders", "runnel topic delete a b c"}));
    registry.add(cmd, [f](const ClientSettings& s) { return topic_delete(*f, s); });
  }
  {
    auto f = std::make_shared<AlterFlags>();
    CLI::App* cmd = topic.add_subcommand("alter-config", "Set or remove topic config overrides");
    cmd->add_option("topics", f->topics, "Topic names")->required()->type_name("TOPIC...");
    cmd->add_option("-s,--set", f->set, "Set a config (repeatable)")->type_name("KEY=VALUE");
    cmd->add_option("-d,--delete", f->del, "Remove an override, back to the default (repeatable)")
        ->type_name("KEY");
    cmd->add_flag("--dry-run", f->dry_run, "Ask the broker to validate only");
    cmd->footer(
        examples({"runnel topic alter-config apphub.core.events --set retention.ms=259200000",
                  "runnel topic alter-config orders --set cleanup.policy=compact --delete retention.ms"}));
    registry.add(cmd, [f](const ClientSettings& s) { return topic_alter_config(*f, s); });
  }
  {
    auto f = std::make_shared<AddPartitionsFlags>();
    CLI::App* cmd = topic.add_subcommand("add-partitions", "Add partitions to existing topics");
    cmd->add_option("topics", f->topics, "Topic names")->required()->type_name("TOPIC...");
    cmd->add_option("-n,--num", f->num, "How many partitions to add")->required()->type_name("N");
    cmd->footer(examples({"runnel topic add-partitions orders --num 3"}));
    registry.add(cmd, [f](const ClientSettings& s) { return topic_add_partitions(*f, s); });
  }
  {
    auto f = std::make_shared<TrimFlags>();
    CLI::App* cmd =
        topic.add_subcommand("trim-prefix", "Delete the records before an offset (DeleteRecords)");
    cmd->alias("trim");
    cmd->add_option("topic", f->topic, "Topic name")->required()->type_name("TOPIC");
    cmd->add_option("-o,--offset", f->offset, "The new log start: an offset N, end, or @TIME (e.g. @-1h)")
        ->required()
        ->type_name("OFFSET");
    cmd->add_option("-p,--partitions", f->partitions, "Only these partitions [all]")
        ->delimiter(',')
        ->type_name("P,...");
    cmd->add_flag("--no-confirm", f->no_confirm, "Do not ask before deleting (asked only on a terminal)");
    cmd->footer(examples({"runnel topic trim-prefix orders -o 1000 -p 0 --no-confirm",
                          "runnel topic trim-prefix orders -o @2024-01-01 --no-confirm",
                          "runnel topic trim-prefix orders -o end --no-confirm"}));
    registry.add(cmd, [f](const ClientSettings& s) { return topic_trim_prefix(*f, s); });
  }
}

}  // namespace runnel::cli
