// KafkaListener: one SO_REUSEPORT acceptor per shard on the same address, so
// the kernel spreads new connections over the shards and a connection lives
// on the shard that accepted it.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/shards.h"

namespace runnel::kafka {

class Broker;

class KafkaListener {
 public:
  explicit KafkaListener(Broker& broker);
  ~KafkaListener();

  // Binds and listens on every shard; throws std::runtime_error naming the
  // address when it cannot (in use, not local, unresolvable).
  void bind(const std::string& host, uint16_t port);
  uint16_t port() const { return port_; }
  // Starts each shard's accept loop.
  void start();
  // Closes the acceptor of the calling shard.
  void stop_local();

 private:
  Task<void> accept_loop(unsigned shard);

  Broker& broker_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
};

}  // namespace runnel::kafka
