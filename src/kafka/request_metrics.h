// RequestMetrics: one shard's Kafka request metrics (latency per API, failed
// requests, partition errors by code, connections and bytes). Each shard has
// its own instance, created once, whose cells only that shard writes; for()
// is one atomic load, so the request path never takes a lock or looks a
// series up by name.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "metrics/registry.h"

namespace runnel::kafka {

class RequestMetrics {
 public:
  static constexpr unsigned kMaxShards = 1024;
  static constexpr int16_t kMaxApiKey = 127;

  // The calling shard's instance (created on first use).
  static RequestMetrics& of(unsigned shard);

  // Latency of one request of an API this broker serves (others are ignored).
  void observe(int16_t api_key, double seconds) {
    if (api_key >= 0 && api_key <= kMaxApiKey && latency_[api_key]) latency_[api_key]->observe(seconds);
  }
  // A request that closed its connection (malformed, unsupported version).
  void failed(int16_t api_key);
  // A partition-level error in a produce ("produce") or fetch ("consume") answer.
  void partition_error(std::string_view request, int16_t error_code);

  metrics::GaugeCell& connections() { return *connections_; }
  metrics::CounterCell& connects() { return *connects_; }
  metrics::CounterCell& received_bytes() { return *received_; }
  metrics::CounterCell& sent_bytes() { return *sent_; }

  // "produce", "consume" (Fetch, as Redpanda calls it), else the API's name
  // in snake case ("api_versions").
  static std::string request_label(int16_t api_key);

 private:
  explicit RequestMetrics(unsigned shard);

  std::string shard_;
  std::array<std::shared_ptr<metrics::HistogramCell>, kMaxApiKey + 1> latency_;
  std::shared_ptr<metrics::GaugeCell> connections_;
  std::shared_ptr<metrics::CounterCell> connects_;
  std::shared_ptr<metrics::CounterCell> received_;
  std::shared_ptr<metrics::CounterCell> sent_;
  // Error paths only.
  std::mutex mu_;
  std::map<std::pair<std::string, int16_t>, std::shared_ptr<metrics::CounterCell>, std::less<>> errors_;
  std::map<int16_t, std::shared_ptr<metrics::CounterCell>> failed_;
};

}  // namespace runnel::kafka
