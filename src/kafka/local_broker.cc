#include "kafka/local_broker.h"

#include <stdexcept>
#include <string>

namespace runnel::kafka {

LocalBroker::LocalBroker(BrokerConfig config) {
  config.listen_host = "127.0.0.1";
  config.listen_port = 0;
  broker_ = std::make_unique<Broker>(shards_, std::move(config));
  broker_->prepare();
  run([](Broker& b) -> Task<int> {
    co_await b.start();
    co_return 0;
  }(*broker_));
}

LocalBroker::~LocalBroker() {
  run([](Broker& b) -> Task<int> {
    co_await b.shutdown();
    co_return 0;
  }(*broker_));
}

Dispatched LocalBroker::request(std::span<uint8_t> frame) {
  Dispatched d = run(dispatch_request(*broker_, 0, frame, "local"));
  // In-process callers read the response from memory.
  if (Status s = inline_splices(d.body, d.splices); !s.ok()) {
    throw std::runtime_error(std::string("reading fetched log bytes failed: ").append(s.to_string()));
  }
  return d;
}

}  // namespace runnel::kafka
