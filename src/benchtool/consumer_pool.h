// ConsumerPool: the consuming half of the Kafka workloads. N librdkafka
// consumers, one thread each, every one assigned (no group rebalance) a share
// of the topic's partitions from the beginning. Counts records and bytes,
// and for stamped values records send-to-receipt latency. Ends once the
// caller says how many records to expect and that many arrived (or a deadline
// passed). Partition EOF is not used as the end: librdkafka's mock cluster
// reports it early once a fetch response is full.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "benchtool/latency_histogram.h"

namespace runnel::benchtool {

struct ConsumeOutcome {
  std::int64_t records = 0;
  std::int64_t bytes = 0;
  std::int64_t errors = 0;
  std::int64_t first_ns = 0;  // steady clock, first record received
  std::int64_t last_ns = 0;   // steady clock, last record received
  LatencyHistogram latency;   // only stamped records sent at or after latency_from_ns
  std::string first_error;
};

// Records between each partition's low and high watermark: what a catch-up
// read from the beginning will find. -1 and `error` set on failure.
std::int64_t records_available(const std::string& bootstrap, const std::string& topic, int partitions,
                               std::string& error);

class ConsumerPool {
 public:
  struct Options {
    std::string bootstrap;
    std::string topic;
    int partitions = 1;
    int consumers = 1;
    bool measure_latency = false;      // values carry a steady_ns() send stamp
    std::int64_t latency_from_ns = 0;  // stamps before this are warm-up, not recorded
    int fetch_wait_ms = 500;
  };

  explicit ConsumerPool(Options options) : options_(std::move(options)) {}
  ConsumerPool(const ConsumerPool&) = delete;
  ConsumerPool& operator=(const ConsumerPool&) = delete;
  ~ConsumerPool();

  // Starts the threads; returns once every consumer is assigned and has
  // polled once (or 30s passed), so a producer started next is not missed.
  std::string start();
  void set_latency_from(std::int64_t ns) { latency_from_ns_.store(ns); }
  // Tells the pool the total to expect; it ends when that many arrived or
  // grace_s later. Joins the threads and returns the merged outcome.
  ConsumeOutcome finish(std::int64_t expected, double grace_s);

 private:
  void run(int index);
  ConsumeOutcome join();

  Options options_;
  std::vector<std::thread> threads_;
  std::vector<ConsumeOutcome> outcomes_;
  std::atomic<int> ready_{0};
  std::atomic<std::int64_t> received_{0};
  std::atomic<std::int64_t> expected_{-1};
  std::atomic<std::int64_t> deadline_ns_{INT64_MAX};
  std::atomic<std::int64_t> latency_from_ns_{0};
  std::atomic<bool> quit_{false};
  std::mutex error_mu_;
  std::string setup_error_;
};

}  // namespace runnel::benchtool
