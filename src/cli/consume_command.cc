// runnel topic consume: records from partitions assigned directly (with rpk's
// offset ranges) or, with -g, as a member of a consumer group (librdkafka's
// high-level consumer, committing what it printed); formatted with rpk's
// verbs or as JSON.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "cli/command.h"
#include "cli/kafka_client.h"
#include "cli/offset_spec.h"
#include "cli/record_format.h"
#include "cli/time_spec.h"

namespace runnel::cli {

namespace {

struct ConsumeFlags {
  std::vector<std::string> topics;
  int64_t num = 0;
  std::string offset = "start";
  std::string format = "json";
  std::string group;
  std::vector<int32_t> partitions;
  std::string balancer;
  bool read_committed = false;
  bool meta_only = false;
};

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};

std::optional<std::string_view> bytes(const void* p, size_t n) {
  if (!p) return std::nullopt;
  return std::string_view(static_cast<const char*>(p), n);
}

Json record_json(const FormatRecord& r, bool meta_only) {
  Json j;
  j.set("topic", r.topic);
  j.set("key", r.key ? Json(*r.key) : Json());
  if (!meta_only) j.set("value", r.value ? Json(*r.value) : Json());
  if (!r.headers.empty()) {
    Json hs = Json::array();
    for (const auto& [k, v] : r.headers) {
      Json h;
      h.set("key", k);
      h.set("value", v ? Json(*v) : Json());
      hs.push(std::move(h));
    }
    j.set("headers", std::move(hs));
  }
  j.set("timestamp", r.timestamp_ms);
  j.set("partition", r.partition);
  j.set("offset", r.offset);
  return j;
}

// Errors a consumer cannot get past by waiting.
bool fatal_consume_error(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:  // e.g. a broker without JoinGroup
      return true;
    default:
      return false;
  }
}

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using TopicHandle = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

struct PartitionRead {
  std::string topic;
  int32_t partition = 0;
  int64_t start = 0;
  bool started = false;
};

struct PartitionKey {
  std::string topic;
  int32_t partition;
  auto operator<=>(const PartitionKey&) const = default;
};

Outcome<int> topic_consume(const ConsumeFlags& f, const ClientSettings& s) {
  if (f.num < 0) return fail("--num must be 0 (no limit) or more");
  auto spec = parse_offset_spec(f.offset, unix_now_ms());
  if (!spec.ok()) return spec.failure();
  const bool json = f.format == "json";
  std::optional<RecordFormat> format;
  if (!json) {
    auto compiled = RecordFormat::compile(f.format);
    if (!compiled.ok()) return compiled.failure();
    format = std::move(*compiled);
  }
  const bool grouped = !f.group.empty();
  using Kind = OffsetBound::Kind;
  if (grouped) {
    if (!f.partitions.empty())
      return fail("-p/--partitions cannot be used with -g/--group (the group assigns them)");
    if (spec->until || (spec->from.kind != Kind::kStart && spec->from.kind != Kind::kEnd)) {
      return fail(
          "with -g/--group, --offset is start or end: where a partition without a committed offset begins");
    }
  }
  std::vector<std::pair<std::string, std::string>> config = {
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", spec->from.kind == Kind::kEnd ? "latest" : "earliest"},
      {"isolation.level", f.read_committed ? "read_committed" : "read_uncommitted"},
      {"fetch.wait.max.ms", "500"},
  };
  if (grouped) {
    config.emplace_back("group.id", f.group);
    config.emplace_back("enable.auto.commit", "true");
    if (!f.balancer.empty()) {
      static const std::map<std::string, std::string> kBalancers = {
          {"range", "range"}, {"roundrobin", "roundrobin"}, {"cooperative-sticky", "cooperative-sticky"}};
      auto it = kBalancers.find(f.balancer);
      if (it == kBalancers.end()) return fail("--balancer must be range, roundrobin or cooperative-sticky");
      config.emplace_back("partition.assignment.strategy", it->second);
    }
  }
  auto client = KafkaClient::connect(
      s, grouped ? KafkaClient::Kind::kConsumer : KafkaClient::Kind::kSimpleConsumer, config);
  if (!client.ok()) return client.failure();
  rd_kafka_t* rk = (*client)->handle();
  auto md = (*client)->topics_metadata(f.topics);
  if (!md.ok()) return md.failure();

  // Exclusive stop offsets per partition; a partition reaching its stop is done.
  std::map<PartitionKey, int64_t> stops;
  // Without a group: every partition read into one queue.
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue;
  std::map<std::string, TopicHandle> handles;
  std::vector<PartitionRead> reads;
  if (grouped) {
    rd_kafka_poll_set_consumer(rk);
    PartitionListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(f.topics.size())));
    for (const std::string& t : f.topics) {
      rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, subscription.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail("cannot subscribe: " + kafka_error(err));
    }
  } else {
    queue.reset(rd_kafka_queue_new(rk));
    for (const auto& t : md->topics) {
      std::vector<int32_t> parts;
      if (f.partitions.empty()) {
        for (const auto& p : t.partitions) parts.push_back(p.id);
      } else {
        for (int32_t p : f.partitions) {
          if (p < 0 || p >= static_cast<int32_t>(t.partitions.size())) {
            return fail("topic " + t.name + " has no partition " + std::to_string(p));
          }
          parts.push_back(p);
        }
      }
      std::vector<int64_t> from_time(parts.size(), -1), until_time(parts.size(), -1);
      if (spec->from.kind == Kind::kTimestamp) {
        auto offs = (*client)->offsets_for_time(t.name, parts, spec->from.value);
        if (!offs.ok()) return offs.failure();
        from_time = *offs;
      }
      if (spec->until && spec->until->kind == Kind::kTimestamp) {
        auto offs = (*client)->offsets_for_time(t.name, parts, spec->until->value);
        if (!offs.ok()) return offs.failure();
        until_time = *offs;
      }
      for (size_t i = 0; i < parts.size(); ++i) {
        auto w = (*client)->watermarks(t.name, parts[i]);
        if (!w.ok()) return w.failure();
        const int64_t start = resolve_bound(spec->from, w->low, w->high, from_time[i]);
        if (spec->until) {
          const int64_t stop = resolve_bound(*spec->until, w->low, w->high, until_time[i]);
          if (stop <= start) continue;  // nothing in range
          stops[{t.name, parts[i]}] = stop;
        }
        reads.push_back(PartitionRead{t.name, parts[i], start});
      }
    }
    if (reads.empty()) return kExitOk;  // every partition's range is empty
    for (PartitionRead& r : reads) {
      if (!handles.contains(r.topic))
        handles[r.topic].reset(rd_kafka_topic_new(rk, r.topic.c_str(), nullptr));
      rd_kafka_topic_t* rkt = handles[r.topic].get();
      if (rd_kafka_consume_start_queue(rkt, r.partition, r.start, queue.get()) != 0) {
        return fail("cannot start reading " + r.topic + "/" + std::to_string(r.partition) + ": " +
                    kafka_error(rd_kafka_last_error()));
      }
      r.started = true;
    }
  }
  // Stops the partition reads before the topic handles and the queue go.
  struct StopReads {
    std::vector<PartitionRead>& reads;
    std::map<std::string, TopicHandle>& handles;
    ~StopReads() {
      for (const PartitionRead& r : reads) {
        if (r.started) rd_kafka_consume_stop(handles[r.topic].get(), r.partition);
      }
    }
  } stop_reads{reads, handles};

  g_stop = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, on_signal);
  const bool bounded = !grouped && spec->until.has_value();
  std::set<PartitionKey> finished;
  int64_t printed = 0;
  std::optional<Failure> error;
  std::string out;
  while (!g_stop && (f.num == 0 || printed < f.num) && (!bounded || finished.size() < stops.size())) {
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(grouped ? rd_kafka_consumer_poll(rk, 200)
                                                                  : rd_kafka_consume_queue(queue.get(), 200));
    if (!m) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      const std::string what = kafka_error(m->err, rd_kafka_message_errstr(m.get()));
      if (fatal_consume_error(m->err)) {
        error = fail(what);
        break;
      }
      std::fprintf(stderr, "warning: %s\n", what.c_str());
      continue;
    }
    const char* topic = rd_kafka_topic_name(m->rkt);
    if (bounded) {
      const PartitionKey key{topic, m->partition};
      auto it = stops.find(key);
      if (it == stops.end() || finished.contains(key)) continue;
      if (m->offset >= it->second) {
        finished.insert(key);
        continue;
      }
      if (m->offset + 1 >= it->second) finished.insert(key);
    }
    FormatRecord r;
    r.topic = topic;
    r.key = bytes(m->key, m->key_len);
    r.value = bytes(m->payload, m->len);
    r.partition = m->partition;
    r.offset = m->offset;
    rd_kafka_timestamp_type_t type;
    r.timestamp_ms = rd_kafka_message_timestamp(m.get(), &type);
    r.index = printed;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        r.headers.emplace_back(name, bytes(value, size));
      }
    }
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(rk, topic, m->partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      r.log_start = low;
      r.high_watermark = high;
      r.last_stable = high;
    }
    out.clear();
    if (json) {
      record_json(r, f.meta_only).dump_to(out);
      out.push_back('\n');
    } else {
      format->append(r, out);
    }
    print_out(out);
    if (std::fflush(stdout) != 0) break;  // the reader went away
    ++printed;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGPIPE, SIG_DFL);
  if (grouped) (*client)->close_consumer();  // leave the group, commit what was printed
  if (error) return *error;
  return kExitOk;
}

}  // namespace

void add_consume_command(CLI::App& topic, CommandRegistry& registry) {
  auto f = std::make_shared<ConsumeFlags>();
  CLI::App* cmd = topic.add_subcommand("consume", "Consume records and print them");
  cmd->add_option("topics", f->topics, "Topics to consume")->required()->type_name("TOPIC...");
  cmd->add_option("-n,--num", f->num, "Stop after this many records (0: no limit) [0]")->type_name("N");
  cmd->add_option("-o,--offset", f->offset,
                  "Where to start (and stop): start, end, N, +N, -N, N:M, :end, @TIME, @T1:T2 [start]")
      ->type_name("OFFSET");
  cmd->add_option("-f,--format", f->format,
                  "Output: json, or a format such as '%k: %v\\n' (see below) [json]")
      ->type_name("FORMAT");
  cmd->add_option("-g,--group", f->group, "Consume as a member of this group, committing offsets")
      ->type_name("GROUP");
  cmd->add_option("-p,--partitions", f->partitions, "Only these partitions (not with -g)")
      ->delimiter(',')
      ->type_name("P,...");
  cmd->add_option("-b,--balancer", f->balancer, "Group balancer: range, roundrobin, cooperative-sticky")
      ->type_name("NAME");
  cmd->add_flag("--read-committed", f->read_committed, "Skip records of aborted transactions");
  cmd->add_flag("--meta-only", f->meta_only, "Leave the value out (with -f json)");
  cmd->footer(
      examples({"runnel topic consume issues.raw --num 10",
                "runnel topic consume heatpump-realtime --format '%k: %v\\n' --num 10",
                "runnel topic consume orders -o -5 -n 5 -f '%p/%o %k=%v\\n'",
                "runnel topic consume orders -o :end             (what is there now, then exit)",
                "runnel topic consume orders -o @-1h:end -f '%d{go[2006-01-02T15:04:05Z07:00]} %v\\n'",
                "runnel topic consume orders -g my-group -n 100"}) +
      "\nFormat verbs: %t topic, %k key, %v value, %T %K %V their lengths, %p partition, %o offset,\n"
      "%d timestamp (ms; %d{strftime[%F %T]} or %d{go[...]} in UTC), %h{%k=%v } each header, %H header\n"
      "count, %[ log start, %] high watermark, %i record number, %e leader epoch, %% %{ %} literals.\n"
      "Modifiers: %v{hex} %v{base64}; numbers %o{hex64} %o{big32} ...; escapes \\n \\t \\r \\\\ \\xNN.\n"
      "Offsets: start, end, N (exact), +N (after the start), -N (before the end), N:M, :M, N:end, :end,\n"
      "@TIME, @T1:T2, @:T2 — TIME as unix seconds or ms, YYYY-MM-DD, RFC 3339, or -DURATION (e.g. -1h).\n");
  registry.add(cmd, [f](const ClientSettings& s) { return topic_consume(*f, s); });
}

}  // namespace runnel::cli
