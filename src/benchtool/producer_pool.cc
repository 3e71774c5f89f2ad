// See producer_pool.h.
#include "benchtool/producer_pool.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "benchtool/stop_flag.h"

namespace runnel::benchtool {

namespace {

struct DeliveryCounters {
  std::atomic<std::int64_t> delivered{0};
  std::atomic<std::int64_t> bytes{0};
  std::atomic<std::int64_t> errors{0};
  std::atomic<std::int64_t> last_ns{0};
  std::mutex mu;
  std::string first_error;

  void note_error(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.empty()) first_error = e;
  }
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* c = static_cast<DeliveryCounters*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    c->errors.fetch_add(1, std::memory_order_relaxed);
    c->note_error(std::string("delivery: ") + rd_kafka_err2str(m->err));
  } else {
    c->delivered.fetch_add(1, std::memory_order_relaxed);
    c->bytes.fetch_add(static_cast<std::int64_t>(m->len), std::memory_order_relaxed);
  }
  c->last_ns.store(steady_ns(), std::memory_order_relaxed);
}

std::string set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    return std::string(name) + ": " + errstr;
  return "";
}

rd_kafka_t* new_producer(const std::string& bootstrap, const WorkloadParams& p, DeliveryCounters* counters,
                         std::string& error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", bootstrap},
      {"acks", *parse_acks(p.acks)},
      {"compression.codec", p.compression},
      {"linger.ms", std::to_string(p.linger_ms)},
      {"batch.size", std::to_string(p.batch_size)},
      // Room for a few batches per partition, not for seconds of backlog:
      // a duration-bound run should end near its duration.
      {"queue.buffering.max.messages", "500000"},
      {"queue.buffering.max.kbytes", "65536"},
      {"allow.auto.create.topics", "false"},
  };
  for (const auto& [name, value] : settings) {
    error = set(conf, name, value);
    if (!error.empty()) {
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, counters);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) error = std::string("producer: ") + errstr;
  return rk;
}

struct ThreadPlan {
  std::int64_t count = 0;  // 0: until deadline
  double rate = 0;         // records/s for this thread; 0: unpaced
};

}  // namespace

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ProduceOutcome produce_records(const std::string& bootstrap, const std::string& topic,
                               const WorkloadParams& p, bool stamp_send_time) {
  ProduceOutcome out;
  DeliveryCounters counters;
  std::vector<rd_kafka_t*> producers;
  std::vector<rd_kafka_topic_t*> topics;
  for (int i = 0; i < p.producers; ++i) {
    std::string error;
    rd_kafka_t* rk = new_producer(bootstrap, p, &counters, error);
    if (!rk) {
      out.first_error = error;
      break;
    }
    producers.push_back(rk);
    topics.push_back(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
    // Connect and learn the leaders before the clock starts.
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, topics.back(), &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
      rd_kafka_metadata_destroy(md);
  }

  // Incompressible values, like OMB's random payload file.
  std::vector<char> payload(p.record_size);
  std::mt19937_64 rng(42);
  for (auto& c : payload) c = static_cast<char>(rng());

  std::atomic<std::int64_t> attempted{0};
  const std::int64_t start = steady_ns();
  const std::int64_t deadline =
      p.count > 0 ? INT64_MAX : start + static_cast<std::int64_t>(p.duration_s * 1e9);
  std::vector<std::thread> threads;
  const int n = static_cast<int>(producers.size());
  for (int i = 0; i < n && out.first_error.empty(); ++i) {
    ThreadPlan plan;
    if (p.count > 0) plan.count = p.count / n + (i < p.count % n ? 1 : 0);
    plan.rate = p.rate / n;
    threads.emplace_back([&, i, plan] {
      rd_kafka_t* rk = producers[i];
      rd_kafka_topic_t* rkt = topics[i];
      std::vector<char> stamped(payload);
      std::int64_t sent = 0;
      while ((plan.count == 0 || sent < plan.count) && !stop_requested()) {
        std::int64_t now = steady_ns();
        if (now >= deadline) break;
        if (plan.rate > 0) {
          const auto due = start + static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 / plan.rate);
          if (now < due) {
            // Serve delivery reports while waiting; sleep only for long gaps.
            rd_kafka_poll(rk, 0);
            if (due - now > 200000) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now - 100000));
            continue;
          }
        }
        void* value = payload.data();
        int flags = 0;  // the shared payload outlives every message: no copy
        if (stamp_send_time) {
          const std::int64_t t = steady_ns();
          std::memcpy(stamped.data(), &t, sizeof t);
          value = stamped.data();
          flags = RD_KAFKA_MSG_F_COPY;
        }
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, flags, value, payload.size(), nullptr, 0, nullptr) ==
            -1) {
          rd_kafka_resp_err_t err = rd_kafka_last_error();
          if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 1);
            continue;
          }
          counters.note_error(std::string("produce: ") + rd_kafka_err2str(err));
          break;
        }
        ++sent;
        if ((sent & 255) == 0) rd_kafka_poll(rk, 0);
      }
      attempted.fetch_add(sent);
      if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        counters.note_error("flush: delivery reports still missing after 60s");
    });
  }
  for (auto& t : threads) t.join();

  out.attempted = attempted.load();
  out.delivered = counters.delivered.load();
  out.bytes = counters.bytes.load();
  out.errors = out.attempted - out.delivered;  // failed reports plus any flush left unanswered
  out.start_ns = start;
  out.end_ns = std::max(counters.last_ns.load(), start);
  if (out.first_error.empty()) out.first_error = counters.first_error;
  for (auto* rkt : topics) rd_kafka_topic_destroy(rkt);
  for (auto* rk : producers) rd_kafka_destroy(rk);
  return out;
}

}  // namespace runnel::benchtool
