// LocalBroker: a complete broker (storage, controller, handlers) on one shard
// driven by the calling thread. Unit tests, the request fuzzer and
// benchmarks hand it request frames directly, through the same dispatch a
// connection uses; its Kafka listener is bound to an ephemeral loopback port
// and never used.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "base/shards.h"
#include "kafka/broker.h"
#include "kafka/dispatch.h"

namespace runnel::kafka {

class LocalBroker {
 public:
  // Opens (or recovers) a broker on `config.data_dir`; throws on failure.
  explicit LocalBroker(BrokerConfig config);
  // A clean shutdown (logs flushed, marker written).
  ~LocalBroker();
  LocalBroker(const LocalBroker&) = delete;
  LocalBroker& operator=(const LocalBroker&) = delete;

  // Serves one request frame (header and body, no size prefix).
  Dispatched request(std::span<uint8_t> frame);
  template <typename T>
  T run(Task<T> task) {
    return shards_.run_task(0, std::move(task));
  }
  Broker& broker() { return *broker_; }

 private:
  Shards shards_{1};
  std::unique_ptr<Broker> broker_;
};

}  // namespace runnel::kafka
