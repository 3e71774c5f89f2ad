#include "kafka/request_metrics.h"

#include <atomic>
#include <cctype>

#include "kafka/dispatch.h"
#include "kafka/error_code.h"
#include "metrics/catalog.h"
#include "protocol/kafka/generated/api_table.h"

namespace runnel::kafka {

namespace {

std::array<std::atomic<RequestMetrics*>, RequestMetrics::kMaxShards> g_shards{};
std::mutex g_create;

std::string lower_error_name(int16_t error_code) {
  std::string name(error_name(static_cast<ErrorCode>(error_code)));
  if (name.empty()) name = "error_" + std::to_string(error_code);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace

RequestMetrics& RequestMetrics::of(unsigned shard) {
  if (shard >= kMaxShards) shard = kMaxShards - 1;
  RequestMetrics* found = g_shards[shard].load(std::memory_order_acquire);
  if (found != nullptr) return *found;
  std::lock_guard<std::mutex> lock(g_create);
  found = g_shards[shard].load(std::memory_order_acquire);
  if (found == nullptr) {
    found = new RequestMetrics(shard);  // lives for the process, like the registry
    g_shards[shard].store(found, std::memory_order_release);
  }
  return *found;
}

std::string RequestMetrics::request_label(int16_t api_key) {
  if (api_key < 0) return "unknown";
  if (api_key == 0) return "produce";
  if (api_key == 1) return "consume";
  const ApiInfo* api = find_api(api_key);
  if (api == nullptr) return "api_" + std::to_string(api_key);
  std::string out;
  for (char c : api->name) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty()) out.push_back('_');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

RequestMetrics::RequestMetrics(unsigned shard) : shard_(std::to_string(shard)) {
  const metrics::Families& f = metrics::families();
  // Every served API's series exists from the start (at zero), so the hot
  // path never creates one.
  for (const ApiHandler& h : api_handlers()) {
    if (h.key < 0 || h.key > kMaxApiKey) continue;
    latency_[h.key] = f.kafka_request_latency.get({request_label(h.key), shard_});
  }
  connections_ = f.kafka_active_connections.get({shard_});
  connects_ = f.kafka_connects.get({shard_});
  received_ = f.kafka_received_bytes.get({shard_});
  sent_ = f.kafka_sent_bytes.get({shard_});
}

void RequestMetrics::failed(int16_t api_key) {
  // A key nobody serves is whatever a client sent: one series for them all.
  if (find_handler(api_key) == nullptr) api_key = -1;
  std::shared_ptr<metrics::CounterCell> cell;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = failed_[api_key];
    if (!slot) slot = metrics::families().kafka_requests_failed.get({request_label(api_key), shard_});
    cell = slot;
  }
  cell->inc();
}

void RequestMetrics::partition_error(std::string_view request, int16_t error_code) {
  std::shared_ptr<metrics::CounterCell> cell;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto key = std::make_pair(std::string(request), error_code);
    auto& slot = errors_[key];
    if (!slot) {
      slot = metrics::families().kafka_request_errors.get({key.first, lower_error_name(error_code), shard_});
    }
    cell = slot;
  }
  cell->inc();
}

}  // namespace runnel::kafka
