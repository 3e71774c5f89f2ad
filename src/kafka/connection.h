// One client connection on one shard: reads size-prefixed Kafka frames,
// dispatches each request and writes the responses in request order. While
// one request is served, pipelined ones are read ahead, but only up to a
// count and byte budget: past it the socket is not read (back-pressure).
// A frame over socket.request.max.bytes or one that does not parse closes
// the connection (logged once); nothing a client sends can take the shard
// down.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <string>

#include "base/shards.h"
#include "kafka/request_metrics.h"
#include "kafka/spliced_body.h"

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
  // Requests read ahead of the one being served.
  static constexpr size_t kMaxQueuedRequests = 16;
  static constexpr size_t kMaxQueuedBytes = 64u << 20;
  // A frame's buffer starts this big and doubles as its bytes arrive.
  static constexpr size_t kFirstReadBytes = 64u << 10;

  Task<void> read_frames();
  Task<bool> write_response(int32_t correlation_id, int16_t header_version, const std::vector<uint8_t>& body,
                            const std::vector<Splice>& splices);
  Task<bool> send_file(const FileSlice& slice);

  Broker& broker_;
  unsigned shard_;
  RequestMetrics& metrics_;
  asio::ip::tcp::socket socket_;
  std::string peer_;
  bool busy_ = false;
  bool stopping_ = false;
  std::deque<std::vector<uint8_t>> queued_;
  size_t queued_bytes_ = 0;
  bool reader_done_ = false;
  // Wake-ups between the reader and the server: a timer that never expires,
  // cancelled to notify. Both run on the shard's thread, so each re-checks
  // its condition before waiting and no notification is lost.
  asio::steady_timer frames_ready_;
  asio::steady_timer room_ready_;
};

}  // namespace runnel::kafka
