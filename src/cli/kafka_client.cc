#include "cli/kafka_client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "cli/net.h"

namespace runnel::cli {

namespace {

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};

}  // namespace

std::string kafka_error_name(rd_kafka_resp_err_t err) {
  // librdkafka shortens a few of Kafka's names; operators search for Kafka's.
  static constexpr std::pair<rd_kafka_resp_err_t, const char*> kKafkaNames[] = {
      {RD_KAFKA_RESP_ERR_UNKNOWN, "UNKNOWN_SERVER_ERROR"},
      {RD_KAFKA_RESP_ERR_INVALID_MSG, "CORRUPT_MESSAGE"},
      {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "UNKNOWN_TOPIC_OR_PARTITION"},
      {RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE, "INVALID_FETCH_SIZE"},
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, "NOT_LEADER_OR_FOLLOWER"},
      {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "MESSAGE_TOO_LARGE"},
      {RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, "COORDINATOR_LOAD_IN_PROGRESS"},
      {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, "COORDINATOR_NOT_AVAILABLE"},
      {RD_KAFKA_RESP_ERR_NOT_COORDINATOR, "NOT_COORDINATOR"},
      {RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, "INVALID_TOPIC_EXCEPTION"},
  };
  for (const auto& [code, name] : kKafkaNames) {
    if (code == err) return name;
  }
  const char* name = rd_kafka_err2name(err);
  return name ? name : "UNKNOWN";
}

std::string kafka_error(rd_kafka_resp_err_t err, const char* detail) {
  std::string meaning = rd_kafka_err2str(err);
  if (meaning.starts_with("Broker: ")) meaning.erase(0, 8);
  if (meaning.starts_with("Local: ")) meaning.erase(0, 7);
  std::string out = kafka_error_name(err);
  out.append(": ").append(meaning);
  if (detail && *detail && std::strstr(rd_kafka_err2str(err), detail) == nullptr) {
    out.append(" (").append(detail).append(")");
  }
  return out;
}

const KafkaClient::Topic* KafkaClient::Metadata::find(const std::string& name) const {
  for (const Topic& t : topics) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Outcome<Unit> probe_brokers(const ClientSettings& settings) {
  std::vector<std::string> problems;
  for (const HostPort& b : settings.brokers) {
    auto fd = tcp_connect(b, settings.connect_timeout_ms);
    if (fd.ok()) return done();
    problems.push_back(fd.error());
  }
  if (settings.brokers.size() == 1) {
    std::string m = "cannot reach broker ";
    m.append(settings.brokers[0].to_string()).append(": ").append(problems[0]);
    return fail(std::move(m));
  }
  std::string m = "cannot reach any broker:";
  for (size_t i = 0; i < settings.brokers.size(); ++i) {
    m.append(i ? "; " : " ").append(settings.brokers[i].to_string()).append(": ").append(problems[i]);
  }
  return fail(std::move(m));
}

KafkaClient::KafkaClient(const ClientSettings& settings, Kind kind) : settings_(settings), kind_(kind) {
  request_timeout_ms_ = std::max<int64_t>(10000, settings.connect_timeout_ms * 3);
}

KafkaClient::~KafkaClient() {
  if (!rk_) return;
  close_consumer();
  // librdkafka 2.0's rd_kafka_destroy can deadlock after some failed admin
  // requests (seen with DescribeConsumerGroups). A CLI process is about to
  // exit anyway: give the teardown a few seconds, then leave it behind
  // rather than hang the operator's terminal.
  std::fflush(stdout);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  rd_kafka_t* rk = rk_;
  std::thread([rk, finished] {
    rd_kafka_destroy(rk);
    finished->store(true);
  }).detach();
  for (int i = 0; i < 500 && !finished->load(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void KafkaClient::close_consumer() {
  if (kind_ != Kind::kConsumer || consumer_closed_ || !rk_) return;
  consumer_closed_ = true;
  rd_kafka_consumer_close(rk_);
}

void KafkaClient::on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  auto* self = static_cast<KafkaClient*>(rd_kafka_opaque(rk));
  if (!self) return;
  if (self->settings_.verbose) std::fprintf(stderr, "librdkafka %s: %s\n", facility, message);
  if (level <= 4) {  // warning and worse: connection failures and the like
    std::lock_guard lock(self->mu_);
    self->last_error_ = message;
  }
}

std::string KafkaClient::last_broker_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

Failure KafkaClient::broker_failure(const std::string& what, rd_kafka_resp_err_t err) const {
  std::string m = what;
  m.append(": ").append(kafka_error(err));
  const std::string last = last_broker_error();
  if (!last.empty() && (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
                        err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)) {
    m.append(" (last broker error: ").append(last).append(")");
  }
  return fail(std::move(m));
}

Outcome<std::unique_ptr<KafkaClient>> KafkaClient::connect(
    const ClientSettings& settings, Kind kind, const std::vector<std::pair<std::string, std::string>>& config,
    const Customize& customize) {
  if (auto probe = probe_brokers(settings); !probe.ok()) return probe.failure();
  std::unique_ptr<KafkaClient> client(new KafkaClient(settings, kind));
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value) -> Outcome<Unit> {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      std::string m = "client setting ";
      m.append(key).append("=").append(value).append(": ").append(errstr);
      return fail(std::move(m));
    }
    return done();
  };
  std::vector<std::pair<std::string, std::string>> all = {
      {"bootstrap.servers", settings.bootstrap()},
      {"client.id", "runnel-cli"},
      {"socket.connection.setup.timeout.ms",
       std::to_string(std::max<int64_t>(1000, settings.connect_timeout_ms))},
      {"reconnect.backoff.max.ms", "1000"},
      {"allow.auto.create.topics", "false"},
  };
  all.insert(all.end(), config.begin(), config.end());
  for (const auto& [k, v] : all) {
    if (auto r = set(k, v); !r.ok()) return r.failure();
  }
  rd_kafka_conf_set_opaque(conf.get(), client.get());
  rd_kafka_conf_set_log_cb(conf.get(), &KafkaClient::on_log);
  if (customize) {
    if (auto r = customize(conf.get()); !r.ok()) return r.failure();
  }
  const rd_kafka_type_t type =
      kind == Kind::kConsumer || kind == Kind::kSimpleConsumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER;
  // rd_kafka_new takes the conf only on success.
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (!rk) return fail(std::string("cannot create the Kafka client: ").append(errstr));
  (void)conf.release();
  client->rk_ = rk;
  return client;
}

namespace {

KafkaClient::Metadata convert(const rd_kafka_metadata_t* md) {
  KafkaClient::Metadata out;
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers.push_back(
        {md->brokers[i].id, md->brokers[i].host ? md->brokers[i].host : "", md->brokers[i].port});
  }
  std::sort(out.brokers.begin(), out.brokers.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    KafkaClient::Topic topic;
    topic.name = t.topic;
    topic.err = t.err;
    for (int p = 0; p < t.partition_cnt; ++p) {
      const rd_kafka_metadata_partition_t& mp = t.partitions[p];
      KafkaClient::Partition part;
      part.id = mp.id;
      part.leader = mp.leader;
      part.err = mp.err;
      part.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
      part.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
      topic.partitions.push_back(std::move(part));
    }
    std::sort(topic.partitions.begin(), topic.partitions.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    out.topics.push_back(std::move(topic));
  }
  std::sort(out.topics.begin(), out.topics.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace

Outcome<KafkaClient::Metadata> KafkaClient::metadata(bool with_controller) {
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk_, 1, nullptr, &raw, static_cast<int>(request_timeout_ms_));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return broker_failure("cannot get cluster metadata from " + settings_.bootstrap(), err);
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> md(raw);
  Metadata out = convert(md.get());
  if (with_controller) {
    out.controller_id = rd_kafka_controllerid(rk_, static_cast<int>(request_timeout_ms_));
    if (char* id = rd_kafka_clusterid(rk_, static_cast<int>(request_timeout_ms_))) {
      out.cluster_id = id;
      rd_kafka_mem_free(rk_, id);
    }
  }
  return out;
}

Outcome<KafkaClient::Metadata> KafkaClient::topics_metadata(const std::vector<std::string>& topics) {
  auto all = metadata();
  if (!all.ok()) return all;
  Metadata out;
  out.brokers = all->brokers;
  for (const std::string& name : topics) {
    const Topic* t = all->find(name);
    if (!t || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      std::string m = "topic ";
      m.append(name).append(": ").append(kafka_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
      return fail(std::move(m));
    }
    if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string m = "topic ";
      m.append(name).append(": ").append(kafka_error(t->err));
      return fail(std::move(m));
    }
    out.topics.push_back(*t);
  }
  return out;
}

Outcome<KafkaClient::Watermarks> KafkaClient::watermarks(const std::string& topic, int32_t partition) {
  Watermarks w;
  const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk_, topic.c_str(), partition, &w.low, &w.high, static_cast<int>(request_timeout_ms_));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string what = "cannot list offsets of ";
    what.append(topic).append("/").append(std::to_string(partition));
    return broker_failure(what, err);
  }
  return w;
}

Outcome<std::vector<int64_t>> KafkaClient::offsets_for_time(const std::string& topic,
                                                            const std::vector<int32_t>& partitions,
                                                            int64_t timestamp_ms) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int32_t p : partitions)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = timestamp_ms;
  const rd_kafka_resp_err_t err =
      rd_kafka_offsets_for_times(rk_, list.get(), static_cast<int>(request_timeout_ms_));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return broker_failure("cannot find offsets by time in " + topic, err);
  std::vector<int64_t> out;
  for (int32_t p : partitions) {
    const rd_kafka_topic_partition_t* tp = rd_kafka_topic_partition_list_find(list.get(), topic.c_str(), p);
    if (!tp) return fail("offsets by time: the broker left out " + topic + "/" + std::to_string(p));
    if (tp->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string m = "offsets by time in ";
      m.append(topic).append("/").append(std::to_string(p)).append(": ").append(kafka_error(tp->err));
      return fail(std::move(m));
    }
    out.push_back(tp->offset);
  }
  return out;
}

Outcome<EventPtr> KafkaClient::admin(rd_kafka_admin_op_t op, const Submit& submit, bool validate_only) {
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk_));
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> options(rd_kafka_AdminOptions_new(rk_, op));
  char errstr[512];
  const int timeout = static_cast<int>(request_timeout_ms_);
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout, errstr, sizeof errstr)) {
    return fail(std::string("admin request timeout: ").append(errstr));
  }
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS || op == RD_KAFKA_ADMIN_OP_DELETERECORDS) {
    if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout, errstr, sizeof errstr)) {
      return fail(std::string("admin operation timeout: ").append(errstr));
    }
  }
  if (validate_only && rd_kafka_AdminOptions_set_validate_only(options.get(), 1, errstr, sizeof errstr)) {
    return fail(std::string("--dry-run: ").append(errstr));
  }
  submit(options.get(), queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), timeout + 5000));
  if (!event) return fail("no answer from the broker within " + std::to_string(timeout / 1000) + "s");
  if (const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string m = kafka_error(err, rd_kafka_event_error_string(event.get()));
    const std::string last = last_broker_error();
    if (!last.empty() && (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT)) {
      m.append(" (last broker error: ").append(last).append(")");
    }
    return fail(std::move(m));
  }
  return event;
}

}  // namespace runnel::cli
