// See kafka_target.h.
#include "benchtool/kafka_target.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace runnel::benchtool {

namespace {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// Partitions of `topic` with a leader, per the broker's metadata; -1 on error.
int partitions_with_leader(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
  int n = 0;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic != md->topics[i].topic || md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    for (int p = 0; p < md->topics[i].partition_cnt; ++p)
      if (md->topics[i].partitions[p].leader >= 0) ++n;
  }
  rd_kafka_metadata_destroy(md);
  return n;
}

// A client for admin requests to `bootstrap`; null with `error` set on failure.
Handle admin_client(const std::string& bootstrap, std::string& error) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr, sizeof errstr);
  Handle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr));
  if (!rk) error = std::string("librdkafka: ") + errstr;
  return rk;
}

// Waits for the answer to an admin request on `q` and returns "" or the
// first error: the request's own, or a topic's (other than `tolerated`).
// `topics_of` picks the per-topic results out of the answer.
using TopicResults = const rd_kafka_topic_result_t** (*)(rd_kafka_event_t* ev, size_t* n);
std::string admin_answer(rd_kafka_queue_t* q, const char* api, TopicResults topics_of,
                         rd_kafka_resp_err_t tolerated) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  if (!ev) return std::string(api) + ": no answer within 60s";
  std::string error;
  if (rd_kafka_event_error(ev)) {
    error = std::string(api) + ": " + rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results = topics_of(ev, &n);
    for (size_t i = 0; i < n && error.empty(); ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == tolerated) continue;
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      error = std::string(api) + " " + rd_kafka_topic_result_name(results[i]) + ": " +
              (msg ? msg : rd_kafka_err2str(e));
    }
  }
  rd_kafka_event_destroy(ev);
  return error;
}

const rd_kafka_topic_result_t** created_topics(rd_kafka_event_t* ev, size_t* n) {
  return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), n);
}

const rd_kafka_topic_result_t** deleted_topics(rd_kafka_event_t* ev, size_t* n) {
  return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
}

// Deletes `topics` and waits for the answer; returns "" or the reason.
std::string delete_topics_with_admin(const std::string& bootstrap, const std::vector<std::string>& topics) {
  if (topics.empty()) return "";
  std::string error;
  Handle rk = admin_client(bootstrap, error);
  if (!rk) return error;
  std::vector<rd_kafka_DeleteTopic_t*> list;
  for (const auto& topic : topics) list.push_back(rd_kafka_DeleteTopic_new(topic.c_str()));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_DeleteTopics(rk.get(), list.data(), list.size(), nullptr, q);
  error = admin_answer(q, "DeleteTopics", deleted_topics, RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_DeleteTopic_destroy_array(list.data(), list.size());
  rd_kafka_queue_destroy(q);
  return error;
}

std::string create_topic_with_admin(const std::string& bootstrap, const std::string& topic, int partitions) {
  std::string error;
  Handle rk = admin_client(bootstrap, error);
  if (!rk) return error;
  char errstr[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errstr, sizeof errstr);
  if (!nt) return std::string("CreateTopics: ") + errstr;
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk.get(), &nt, 1, opts, q);
  error = admin_answer(q, "CreateTopics", created_topics, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  if (!error.empty()) return error;

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (partitions_with_leader(rk.get(), topic) < partitions) {
    if (std::chrono::steady_clock::now() > deadline)
      return "topic " + topic + ": partitions have no leader after 60s";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

}  // namespace

void use_admin_topics(KafkaTarget& t) {
  struct Retired {
    std::mutex mu;
    std::vector<std::string> topics;
  };
  auto retired = std::make_shared<Retired>();
  const std::string bootstrap = t.bootstrap;
  t.done_with_topic = [retired](const std::string& topic) {
    std::lock_guard<std::mutex> lock(retired->mu);
    retired->topics.push_back(topic);
  };
  t.create_topic = [bootstrap, retired](const std::string& topic, int partitions) {
    std::vector<std::string> old;
    {
      std::lock_guard<std::mutex> lock(retired->mu);
      old.swap(retired->topics);
    }
    // Only disk space is at stake: a failed deletion does not stop the run.
    const std::string why = delete_topics_with_admin(bootstrap, old);
    if (!why.empty()) std::fprintf(stderr, "bench: deleting finished topics: %s\n", why.c_str());
    return create_topic_with_admin(bootstrap, topic, partitions);
  };
}

std::string fresh_topic_name(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "runnel-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         tag;
}

}  // namespace runnel::benchtool
