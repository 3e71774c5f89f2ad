// One client connection on one shard: reads size-prefixed Kafka frames,
// dispatches each request and writes the responses in request order.
// Requests are served one after another, except that a handler may release
// the next one early (produce, once appended, while it waits for the fsync),
// so several can be in flight; their responses still leave in order.
// Pipelined requests are read ahead, but only up to a count and byte budget
// that covers queued and in-flight ones: past it the socket is not read
// (back-pressure).
// A frame over socket.request.max.bytes or one that does not parse closes
// the connection (logged once); nothing a client sends can take the shard
// down.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <string>

#include "base/default_init_allocator.h"
#include "base/shards.h"
#include "kafka/dispatch.h"
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
  // Requests read ahead or in flight (dispatched, response not yet written).
  static constexpr size_t kMaxQueuedRequests = 16;
  static constexpr size_t kMaxQueuedBytes = 64u << 20;
  // A frame's buffer starts this big (or as big as the bytes that have
  // already arrived) and grows as more arrive.
  static constexpr size_t kFirstReadBytes = 64u << 10;

  // A request frame's bytes, not zeroed before the socket fills them.
  using Frame = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;
  // One dispatched request, from its frame to its written response.
  struct InFlight {
    Frame frame;
    Dispatched result;
    bool released = false;  // the next request may start
    bool done = false;      // `result` is ready to be written
  };

  Task<void> read_frames();
  Task<void> serve(std::shared_ptr<InFlight> request);
  Task<void> write_responses();
  // Waits until the timer is cancelled (the timer never expires).
  static Task<void> wait_for(asio::steady_timer& timer);
  Task<bool> write_response(int32_t correlation_id, int16_t header_version, const std::vector<uint8_t>& body,
                            const std::vector<Splice>& splices);
  // A splice's log bytes: from memory with a gathered write, from a file with sendfile.
  Task<bool> send_log_bytes(const FileSlice& slice);

  Broker& broker_;
  unsigned shard_;
  RequestMetrics& metrics_;
  asio::ip::tcp::socket socket_;
  std::string peer_;
  bool stopping_ = false;
  std::deque<Frame> queued_;  // read, not yet dispatched
  std::deque<std::shared_ptr<InFlight>> in_flight_;
  size_t queued_bytes_ = 0;  // frames queued and in flight
  bool reader_done_ = false;
  bool dispatch_done_ = false;
  bool writer_done_ = false;
  // Wake-ups between the reader, the dispatcher and the writer: timers that
  // never expire, cancelled to notify. All run on the shard's thread, so
  // each re-checks its condition before waiting and no notification is lost.
  asio::steady_timer frames_ready_;    // reader -> dispatcher
  asio::steady_timer room_ready_;      // writer -> reader
  asio::steady_timer released_;        // a request released, or the writer ended -> dispatcher
  asio::steady_timer response_ready_;  // a request finished, or dispatching ended -> writer
};

}  // namespace runnel::kafka
