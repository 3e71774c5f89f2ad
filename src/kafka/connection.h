// One client connection on one shard: reads size-prefixed Kafka frames,
// dispatches each request and writes the responses in request order. A frame
// over socket.request.max.bytes or one that does not parse closes the
// connection (logged once); nothing a client sends can take the shard down.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

#include "base/shards.h"

namespace runnel::kafka {

class Broker;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Broker& broker, unsigned shard, asio::ip::tcp::socket socket);

  // Serves the connection until the client leaves, it misbehaves, or
  // shutdown asks it to stop.
  Task<void> run();
  // Shutdown: an idle connection is closed now, a busy one after the
  // response it is working on has been written.
  void stop();

 private:
  Task<bool> serve_one(std::vector<uint8_t>& frame);
  Task<bool> write_response(int32_t correlation_id, int16_t header_version, const std::vector<uint8_t>& body);

  Broker& broker_;
  unsigned shard_;
  asio::ip::tcp::socket socket_;
  std::string peer_;
  bool busy_ = false;
  bool stopping_ = false;
};

}  // namespace runnel::kafka
