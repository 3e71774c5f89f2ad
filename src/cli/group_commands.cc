// runnel group list|describe|seek|delete, on librdkafka's consumer-group admin
// API (ListGroups, DescribeGroups, OffsetFetch, OffsetCommit, DeleteGroups) and
// ListOffsets for the log end offsets that lag is measured against.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "cli/command.h"
#include "cli/kafka_client.h"
#include "cli/table.h"
#include "cli/time_spec.h"

namespace runnel::cli {

namespace {

struct ListOffsetsDeleter {
  void operator()(rd_kafka_ListConsumerGroupOffsets_t* r) const {
    rd_kafka_ListConsumerGroupOffsets_destroy(r);
  }
};
struct AlterOffsetsDeleter {
  void operator()(rd_kafka_AlterConsumerGroupOffsets_t* r) const {
    rd_kafka_AlterConsumerGroupOffsets_destroy(r);
  }
};
struct DeleteGroupDeleter {
  void operator()(rd_kafka_DeleteGroup_t* g) const { rd_kafka_DeleteGroup_destroy(g); }
};

using TopicPartition = std::pair<std::string, int32_t>;

std::string error_text(const rd_kafka_error_t* e) {
  return kafka_error(rd_kafka_error_code(e), rd_kafka_error_string(e));
}

// The offsets a group has committed, by partition (only partitions with a commit).
Outcome<std::map<TopicPartition, int64_t>> committed_offsets(KafkaClient& client, const std::string& group) {
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t, ListOffsetsDeleter> req(
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));
  rd_kafka_ListConsumerGroupOffsets_t* raw = req.get();
  auto event = client.admin(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                            [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                              rd_kafka_ListConsumerGroupOffsets(client.handle(), &raw, 1, o, q);
                            });
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event->get()), &n);
  std::map<TopicPartition, int64_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) {
      return fail("group " + group + ": " + error_text(e));
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int k = 0; parts && k < parts->cnt; ++k) {
      const rd_kafka_topic_partition_t& tp = parts->elems[k];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR || tp.offset < 0) continue;
      out[{tp.topic, tp.partition}] = tp.offset;
    }
  }
  return out;
}

struct Member {
  std::string id;
  std::string instance_id;
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupInfo {
  std::string id;
  std::string state;
  std::string assignor;
  int32_t coordinator = -1;
  std::vector<Member> members;
};

Outcome<std::vector<GroupInfo>> describe_groups(KafkaClient& client, const std::vector<std::string>& ids) {
  std::vector<const char*> raw;
  for (const std::string& g : ids) raw.push_back(g.c_str());
  auto event = client.admin(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
                            [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                              rd_kafka_DescribeConsumerGroups(client.handle(), raw.data(), raw.size(), o, q);
                            });
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(event->get()), &n);
  if (n != ids.size()) {
    return fail("the broker described " + std::to_string(n) + " of " + std::to_string(ids.size()) +
                " group(s)");
  }
  std::vector<GroupInfo> out;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_ConsumerGroupDescription_t* d = groups[i];
    GroupInfo g;
    g.id = rd_kafka_ConsumerGroupDescription_group_id(d);
    if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d)) {
      return fail("group " + g.id + ": " + error_text(e));
    }
    g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d));
    if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(d)) g.assignor = a;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(d)) {
      g.coordinator = rd_kafka_Node_id(node);
    }
    const size_t members = rd_kafka_ConsumerGroupDescription_member_count(d);
    for (size_t m = 0; m < members; ++m) {
      const rd_kafka_MemberDescription_t* md = rd_kafka_ConsumerGroupDescription_member(d, m);
      Member member;
      if (const char* v = rd_kafka_MemberDescription_consumer_id(md)) member.id = v;
      if (const char* v = rd_kafka_MemberDescription_group_instance_id(md)) member.instance_id = v;
      if (const char* v = rd_kafka_MemberDescription_client_id(md)) member.client_id = v;
      if (const char* v = rd_kafka_MemberDescription_host(md)) member.host = v;
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(md)) {
        const rd_kafka_topic_partition_list_t* parts = rd_kafka_MemberAssignment_partitions(a);
        for (int k = 0; parts && k < parts->cnt; ++k) {
          member.assignment.emplace_back(parts->elems[k].topic, parts->elems[k].partition);
        }
      }
      g.members.push_back(std::move(member));
    }
    out.push_back(std::move(g));
  }
  return out;
}

// ---- list ----

Outcome<int> group_list(const ClientSettings& s) {
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto event = (*client)->admin(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
                                [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                  rd_kafka_ListConsumerGroups((*client)->handle(), o, q);
                                });
  if (!event.ok()) return event.failure();
  const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(event->get());
  size_t n_err = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &n_err);
  if (n_err > 0) return fail("listing groups: " + error_text(errors[0]));
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** groups = rd_kafka_ListConsumerGroups_result_valid(result, &n);
  std::vector<std::pair<std::string, std::string>> rows;
  for (size_t i = 0; i < n; ++i) {
    rows.emplace_back(rd_kafka_ConsumerGroupListing_group_id(groups[i]),
                      rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i])));
  }
  std::sort(rows.begin(), rows.end());
  if (s.json()) {
    Json out = Json::array();
    for (const auto& [g, state] : rows) {
      Json row;
      row.set("group", g);
      row.set("state", state);
      out.push(std::move(row));
    }
    print_json(out);
    return kExitOk;
  }
  Table t({"GROUP", "STATE"});
  for (const auto& [g, state] : rows) t.add({g, state});
  print_out(t.render());
  return kExitOk;
}

// ---- describe ----

struct DescribeFlags {
  std::vector<std::string> groups;
  bool summary_only = false;
  bool commits_only = false;
};

Outcome<int> group_describe(const DescribeFlags& f, const ClientSettings& s) {
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto groups = describe_groups(**client, f.groups);
  if (!groups.ok()) return groups.failure();
  Json all = Json::array();
  std::string text;
  for (size_t gi = 0; gi < groups->size(); ++gi) {
    const GroupInfo& g = (*groups)[gi];
    auto commits = committed_offsets(**client, g.id);
    if (!commits.ok()) return commits.failure();
    if (g.state == "Dead" && commits->empty() && g.members.empty()) {
      return fail("group " + g.id + ": " + kafka_error(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND));
    }
    // Every partition the group has committed or is assigned.
    std::map<TopicPartition, const Member*> rows;
    for (const auto& [tp, offset] : *commits) rows.emplace(tp, nullptr);
    for (const Member& m : g.members) {
      for (const TopicPartition& tp : m.assignment) rows[tp] = &m;
    }
    int64_t total_lag = 0;
    Table table({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-START-OFFSET", "LOG-END-OFFSET", "LAG",
                 "MEMBER-ID", "CLIENT-ID", "HOST"});
    Json partitions = Json::array();
    for (const auto& [tp, member] : rows) {
      auto it = commits->find(tp);
      const int64_t committed = it == commits->end() ? -1 : it->second;
      auto w = (*client)->watermarks(tp.first, tp.second);
      Json row;
      row.set("topic", tp.first);
      row.set("partition", tp.second);
      row.set("current_offset", committed >= 0 ? Json(committed) : Json());
      std::string start = "-", end = "-", lag = "-";
      if (w.ok()) {
        start = std::to_string(w->low);
        end = std::to_string(w->high);
        row.set("log_start_offset", w->low);
        row.set("log_end_offset", w->high);
        if (committed >= 0) {
          const int64_t l = std::max<int64_t>(0, w->high - committed);
          total_lag += l;
          lag = std::to_string(l);
          row.set("lag", l);
        } else {
          row.set("lag", Json());
        }
      } else {
        row.set("error", w.error());
      }
      if (member) {
        row.set("member_id", member->id);
        row.set("client_id", member->client_id);
        row.set("host", member->host);
      }
      table.add({tp.first, std::to_string(tp.second), committed >= 0 ? std::to_string(committed) : "-", start,
                 end, lag, member ? member->id : "", member ? member->client_id : "",
                 member ? member->host : ""});
      partitions.push(std::move(row));
    }
    Json members = Json::array();
    for (const Member& m : g.members) {
      Json mj;
      mj.set("member_id", m.id);
      mj.set("instance_id", m.instance_id.empty() ? Json() : Json(m.instance_id));
      mj.set("client_id", m.client_id);
      mj.set("host", m.host);
      Json assigned = Json::array();
      for (const auto& [topic, partition] : m.assignment) {
        Json a;
        a.set("topic", topic);
        a.set("partition", partition);
        assigned.push(std::move(a));
      }
      mj.set("assignment", std::move(assigned));
      members.push(std::move(mj));
    }
    Json gj;
    gj.set("group", g.id);
    gj.set("coordinator", g.coordinator);
    gj.set("state", g.state);
    gj.set("balancer", g.assignor);
    gj.set("members", std::move(members));
    gj.set("total_lag", total_lag);
    gj.set("partitions", std::move(partitions));
    all.push(std::move(gj));
    if (gi) text.push_back('\n');
    if (!f.commits_only) {
      text.append(key_values({{"GROUP", g.id},
                              {"COORDINATOR", std::to_string(g.coordinator)},
                              {"STATE", g.state},
                              {"BALANCER", g.assignor},
                              {"MEMBERS", std::to_string(g.members.size())},
                              {"TOTAL-LAG", std::to_string(total_lag)}}));
    }
    if (!f.summary_only && !rows.empty()) {
      if (!f.commits_only) text.push_back('\n');
      text.append(table.render());
    }
  }
  if (s.json()) {
    print_json(f.groups.size() == 1 ? all.as_array().front() : all);
  } else {
    print_out(text);
  }
  return kExitOk;
}

// ---- seek ----

struct SeekFlags {
  std::string group;
  std::string to;
  std::string to_file;
  std::vector<std::string> topics;
  bool allow_new_topics = false;
};

// "TOPIC PARTITION OFFSET" per line; blank lines and # comments skipped.
Outcome<std::map<TopicPartition, int64_t>> read_offsets_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot read " + path);
  std::map<TopicPartition, int64_t> out;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#')
      continue;
    std::istringstream fields(line);
    std::string topic, extra;
    int64_t partition = -1, offset = -1;
    if (!(fields >> topic >> partition >> offset) || (fields >> extra) || partition < 0 ||
        partition > INT32_MAX || offset < 0) {
      return fail(path + ":" + std::to_string(line_no) + ": expected 'TOPIC PARTITION OFFSET'");
    }
    out[{topic, static_cast<int32_t>(partition)}] = offset;
  }
  return out;
}

Outcome<int> group_seek(const SeekFlags& f, const ClientSettings& s) {
  std::string to = f.to;
  std::string file = f.to_file;
  if (to.empty() == file.empty())
    return fail("give exactly one of --to (start, end, @TIME) or --to-file FILE");
  enum class Target { kStart, kEnd, kTime, kFile } target = Target::kFile;
  int64_t time_ms = 0;
  if (!to.empty()) {
    if (to == "start") {
      target = Target::kStart;
    } else if (to == "end") {
      target = Target::kEnd;
    } else {
      auto ts = parse_timestamp_ms(to.starts_with("@") ? to.substr(1) : to, unix_now_ms());
      if (ts.ok()) {
        target = Target::kTime;
        time_ms = *ts;
      } else if (std::ifstream(to).good()) {
        file = to;  // --to FILE, as the issue writes it
      } else {
        return fail("--to: expected start, end, a timestamp (@TIME) or a file of offsets; " + ts.error());
      }
    }
  }
  const std::set<std::string> only(f.topics.begin(), f.topics.end());
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  auto groups = describe_groups(**client, {f.group});
  if (!groups.ok()) return groups.failure();
  const GroupInfo& g = groups->front();
  if (g.state != "Empty" && g.state != "Dead") {
    return fail("group " + g.id + " is " + g.state + " with " + std::to_string(g.members.size()) +
                " member(s): stop its consumers first (offsets are only set from outside an empty group)");
  }
  auto commits = committed_offsets(**client, f.group);
  if (!commits.ok()) return commits.failure();

  std::map<TopicPartition, int64_t> targets;
  if (!file.empty()) {
    auto offsets = read_offsets_file(file);
    if (!offsets.ok()) return offsets.failure();
    for (const auto& [tp, off] : *offsets) {
      if (only.empty() || only.contains(tp.first)) targets[tp] = off;
    }
  } else {
    std::set<std::string> topics;
    for (const auto& [tp, off] : *commits) {
      if (only.empty() || only.contains(tp.first)) topics.insert(tp.first);
    }
    for (const std::string& t : only) {
      if (!topics.contains(t)) {
        if (!f.allow_new_topics) {
          return fail("group " + f.group + " has no offsets for topic " + t +
                      "; add --allow-new-topics to start it there");
        }
        topics.insert(t);
      }
    }
    if (topics.empty())
      return fail("group " + f.group + " has no committed offsets; name topics with --topics");
    auto md = (*client)->topics_metadata(std::vector<std::string>(topics.begin(), topics.end()));
    if (!md.ok()) return md.failure();
    for (const auto& t : md->topics) {
      std::vector<int32_t> parts;
      for (const auto& p : t.partitions) parts.push_back(p.id);
      std::vector<int64_t> by_time;
      if (target == Target::kTime) {
        auto offs = (*client)->offsets_for_time(t.name, parts, time_ms);
        if (!offs.ok()) return offs.failure();
        by_time = *offs;
      }
      for (size_t i = 0; i < parts.size(); ++i) {
        auto w = (*client)->watermarks(t.name, parts[i]);
        if (!w.ok()) return w.failure();
        int64_t offset = w->low;
        if (target == Target::kEnd || (target == Target::kTime && by_time[i] < 0)) offset = w->high;
        if (target == Target::kTime && by_time[i] >= 0) offset = by_time[i];
        targets[{t.name, parts[i]}] = offset;
      }
    }
  }
  if (targets.empty()) return fail("nothing to seek: no partitions match");
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(targets.size())));
  for (const auto& [tp, off] : targets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = off;
  }
  std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t, AlterOffsetsDeleter> req(
      rd_kafka_AlterConsumerGroupOffsets_new(f.group.c_str(), list.get()));
  rd_kafka_AlterConsumerGroupOffsets_t* raw = req.get();
  auto event = (*client)->admin(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
                                [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                  rd_kafka_AlterConsumerGroupOffsets((*client)->handle(), &raw, 1, o, q);
                                });
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event->get()), &n);
  bool any_error = false;
  Table table({"TOPIC", "PARTITION", "PRIOR-OFFSET", "CURRENT-OFFSET", "ERROR"});
  Json out = Json::array();
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) {
      return fail("group " + f.group + ": " + error_text(e));
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(results[i]);
    for (int k = 0; parts && k < parts->cnt; ++k) {
      const rd_kafka_topic_partition_t& tp = parts->elems[k];
      auto prior = commits->find({tp.topic, tp.partition});
      const bool ok = tp.err == RD_KAFKA_RESP_ERR_NO_ERROR;
      any_error = any_error || !ok;
      const int64_t wanted = targets[{tp.topic, tp.partition}];
      table.add({tp.topic, std::to_string(tp.partition),
                 prior == commits->end() ? "-" : std::to_string(prior->second), std::to_string(wanted),
                 ok ? "" : kafka_error(tp.err)});
      Json row;
      row.set("topic", tp.topic);
      row.set("partition", tp.partition);
      row.set("prior_offset", prior == commits->end() ? Json() : Json(prior->second));
      row.set("current_offset", wanted);
      if (!ok) row.set("error", kafka_error(tp.err));
      out.push(std::move(row));
    }
  }
  if (s.json()) {
    print_json(out);
  } else {
    print_out(table.render());
  }
  return any_error ? kExitFailure : kExitOk;
}

// ---- delete ----

struct DeleteFlags {
  std::vector<std::string> groups;
};

Outcome<int> group_delete(const DeleteFlags& f, const ClientSettings& s) {
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kAdmin);
  if (!client.ok()) return client.failure();
  std::vector<std::unique_ptr<rd_kafka_DeleteGroup_t, DeleteGroupDeleter>> owned;
  std::vector<rd_kafka_DeleteGroup_t*> raw;
  for (const std::string& g : f.groups) {
    owned.emplace_back(rd_kafka_DeleteGroup_new(g.c_str()));
    raw.push_back(owned.back().get());
  }
  auto event =
      (*client)->admin(RD_KAFKA_ADMIN_OP_DELETEGROUPS, [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteGroups((*client)->handle(), raw.data(), raw.size(), o, q);
      });
  if (!event.ok()) return event.failure();
  size_t n = 0;
  const rd_kafka_group_result_t** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event->get()), &n);
  bool any_error = false;
  Table table({"GROUP", "STATUS"});
  Json out = Json::array();
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i]);
    any_error = any_error || e != nullptr;
    const std::string name = rd_kafka_group_result_name(results[i]);
    table.add({name, e ? error_text(e) : "OK"});
    Json row;
    row.set("group", name);
    row.set("ok", e == nullptr);
    if (e) {
      row.set("error", kafka_error_name(rd_kafka_error_code(e)));
      row.set("message", error_text(e));
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

void add_group_commands(CLI::App& group, CommandRegistry& registry) {
  {
    CLI::App* cmd = group.add_subcommand("list", "List consumer groups and their states");
    cmd->alias("ls");
    cmd->footer(examples({"runnel group list", "runnel group list --format json"}));
    registry.add(cmd, [](const ClientSettings& s) { return group_list(s); });
  }
  {
    auto f = std::make_shared<DescribeFlags>();
    CLI::App* cmd = group.add_subcommand(
        "describe", "Show a group's state, members and, per partition, committed offset, log end and lag");
    cmd->add_option("groups", f->groups, "Group names")->required()->type_name("GROUP...");
    cmd->add_flag("-s,--print-summary", f->summary_only, "Print only the summary");
    cmd->add_flag("-c,--print-commits", f->commits_only, "Print only the per-partition offsets");
    cmd->footer(
        examples({"runnel group describe classifier-service", "runnel group describe heatpump-consumer",
                  "runnel group describe g1 g2 --format json"}) +
        "\nLAG is LOG-END-OFFSET minus CURRENT-OFFSET (the committed offset); '-' where nothing is "
        "committed.\n");
    registry.add(cmd, [f](const ClientSettings& s) { return group_describe(*f, s); });
  }
  {
    auto f = std::make_shared<SeekFlags>();
    CLI::App* cmd = group.add_subcommand("seek", "Set a stopped group's committed offsets");
    cmd->add_option("group", f->group, "Group name")->required()->type_name("GROUP");
    cmd->add_option("--to", f->to,
                    "start, end, a time (@TIME: unix s/ms, YYYY-MM-DD, RFC 3339, -1h) or a FILE")
        ->type_name("WHERE");
    cmd->add_option("--to-file", f->to_file, "A file of 'TOPIC PARTITION OFFSET' lines")->type_name("FILE");
    cmd->add_option("--topics", f->topics, "Only these topics [every topic the group has committed]")
        ->delimiter(',')
        ->type_name("T,...");
    cmd->add_flag("--allow-new-topics", f->allow_new_topics,
                  "Allow --topics the group has no offsets for yet");
    cmd->footer(
        examples({"runnel group seek classifier-service --to start",
                  "runnel group seek g --to end --topics a,b", "runnel group seek g --to @2024-06-01",
                  "runnel group seek g --to @-1h",
                  "runnel group seek g --to start --topics new-topic --allow-new-topics",
                  "runnel group seek g --to-file offsets.txt"}) +
        "\nThe group must have no running members (state Empty): Kafka accepts commits from outside only "
        "then.\n");
    registry.add(cmd, [f](const ClientSettings& s) { return group_seek(*f, s); });
  }
  {
    auto f = std::make_shared<DeleteFlags>();
    CLI::App* cmd = group.add_subcommand("delete", "Delete groups and their committed offsets");
    cmd->add_option("groups", f->groups, "Group names")->required()->type_name("GROUP...");
    cmd->footer(examples({"runnel group delete old-group", "runnel group delete g1 g2"}));
    registry.add(cmd, [f](const ClientSettings& s) { return group_delete(*f, s); });
  }
}

}  // namespace runnel::cli
