// See consumer_pool.h.
#include "benchtool/consumer_pool.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "benchtool/producer_pool.h"
#include "benchtool/stop_flag.h"

namespace runnel::benchtool {

ConsumerPool::~ConsumerPool() {
  quit_.store(true);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

std::string ConsumerPool::start() {
  latency_from_ns_.store(options_.latency_from_ns);
  const int n = std::min(options_.consumers, options_.partitions);
  outcomes_.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this, i] { run(i); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ready_.load() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard<std::mutex> lock(error_mu_);
    if (!setup_error_.empty()) break;
  }
  std::lock_guard<std::mutex> lock(error_mu_);
  if (setup_error_.empty() && ready_.load() < n) setup_error_ = "consumers not ready after 30s";
  return setup_error_;
}

void ConsumerPool::run(int index) {
  ConsumeOutcome& out = outcomes_[static_cast<std::size_t>(index)];
  const int n = static_cast<int>(outcomes_.size());
  auto fail = [&](const std::string& e) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (setup_error_.empty()) setup_error_ = e;
    out.first_error = e;
  };
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string group = "runnel-bench-" + std::to_string(::getpid()) + "-" + options_.topic;
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", options_.bootstrap},
      {"group.id", group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"fetch.wait.max.ms", std::to_string(options_.fetch_wait_ms)},
  };
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      fail(std::string(name) + ": " + errstr);
      return;
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    fail(std::string("consumer: ") + errstr);
    return;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(options_.partitions / n + 1);
  for (int p = index; p < options_.partitions; p += n)
    rd_kafka_topic_partition_list_add(parts, options_.topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail(std::string("assign: ") + rd_kafka_err2str(err));
    rd_kafka_destroy(rk);
    return;
  }

  bool announced = false;
  while (!quit_.load(std::memory_order_relaxed) && !stop_requested()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!announced) {
      announced = true;
      ready_.fetch_add(1);
    }
    const std::int64_t now = steady_ns();
    if (m) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++out.errors;
        if (out.first_error.empty()) out.first_error = std::string("consume: ") + rd_kafka_message_errstr(m);
      } else {
        if (out.records == 0) out.first_ns = now;
        out.last_ns = now;
        ++out.records;
        out.bytes += static_cast<std::int64_t>(m->len);
        if (options_.measure_latency && m->len >= sizeof(std::int64_t)) {
          std::int64_t sent = 0;
          std::memcpy(&sent, m->payload, sizeof sent);
          if (sent >= latency_from_ns_.load(std::memory_order_relaxed) && now >= sent)
            out.latency.record(static_cast<std::uint64_t>(now - sent));
        }
        received_.fetch_add(1, std::memory_order_relaxed);
      }
      rd_kafka_message_destroy(m);
    }
    const std::int64_t expected = expected_.load(std::memory_order_relaxed);
    if (expected >= 0 && received_.load(std::memory_order_relaxed) >= expected) break;
    if (now > deadline_ns_.load(std::memory_order_relaxed)) break;
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

ConsumeOutcome ConsumerPool::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  ConsumeOutcome total;
  total.first_ns = INT64_MAX;
  for (auto& o : outcomes_) {
    total.records += o.records;
    total.bytes += o.bytes;
    total.errors += o.errors;
    if (o.records > 0) {
      total.first_ns = std::min(total.first_ns, o.first_ns);
      total.last_ns = std::max(total.last_ns, o.last_ns);
    }
    total.latency.merge(o.latency);
    if (total.first_error.empty()) total.first_error = o.first_error;
  }
  if (total.records == 0) total.first_ns = 0;
  return total;
}

ConsumeOutcome ConsumerPool::finish(std::int64_t expected, double grace_s) {
  deadline_ns_.store(steady_ns() + static_cast<std::int64_t>(grace_s * 1e9));
  expected_.store(expected);
  return join();
}

std::int64_t records_available(const std::string& bootstrap, const std::string& topic, int partitions,
                               std::string& error) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    error = std::string("watermarks: ") + errstr;
    return -1;
  }
  std::int64_t total = 0;
  for (int p = 0; p < partitions && error.empty(); ++p) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      error = "watermarks of partition " + std::to_string(p) + ": " + rd_kafka_err2str(err);
    else
      total += high - low;
  }
  rd_kafka_destroy(rk);
  return error.empty() ? total : -1;
}

}  // namespace runnel::benchtool
