#include "kafka/connection.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <sys/sendfile.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/big_endian.h"
#include "base/logging.h"
#include "kafka/broker.h"
#include "kafka/dispatch.h"

namespace runnel::kafka {

Connection::Connection(Broker& broker, unsigned shard, asio::ip::tcp::socket socket)
    : broker_(broker),
      shard_(shard),
      metrics_(RequestMetrics::of(shard)),
      socket_(std::move(socket)),
      frames_ready_(socket_.get_executor()),
      room_ready_(socket_.get_executor()),
      released_(socket_.get_executor()),
      response_ready_(socket_.get_executor()) {
  boost::system::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_ = remote.address().to_string();
    peer_.append(":").append(std::to_string(remote.port()));
  } else {
    peer_ = "unknown peer";
  }
}

void Connection::stop() {
  stopping_ = true;
  if (in_flight_.empty()) {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
}

Task<void> Connection::read_frames() {
  auto self = shared_from_this();
  for (;;) {
    while (queued_.size() + in_flight_.size() >= kMaxQueuedRequests || queued_bytes_ >= kMaxQueuedBytes) {
      co_await wait_for(room_ready_);
      if (stopping_) break;
    }
    if (stopping_) break;
    std::array<uint8_t, 4> size_bytes;
    auto [ec, n] =
        co_await asio::async_read(socket_, asio::buffer(size_bytes), asio::as_tuple(asio::use_awaitable));
    if (ec) break;  // the client left (or shutdown closed the socket)
    int32_t size = static_cast<int32_t>(load_u32(size_bytes.data()));
    if (size < 0 || static_cast<size_t>(size) > broker_.max_request_bytes()) {
      log::kafka().warn(
          "kafka: closing connection from {}: frame of {} bytes exceeds socket.request.max.bytes ({})", peer_,
          size, broker_.max_request_bytes());
      break;
    }
    // The buffer grows with the bytes that actually arrive (at most twice
    // them), so a peer announcing 100 MiB and sending little pins little.
    // Bytes the kernel already holds for the socket have arrived too: sizing
    // by them usually reads a whole frame without regrowing (and copying) it.
    const auto total = static_cast<size_t>(size);
    Frame frame;
    size_t filled = 0;
    bool failed = false;
    while (filled < total) {
      if (filled == frame.size()) {
        boost::system::error_code ignored;
        const size_t arrived = socket_.available(ignored);
        frame.resize(std::min(total, std::max({kFirstReadBytes, filled * 2, filled + arrived})));
      }
      auto [ec2, n2] = co_await socket_.async_read_some(
          asio::buffer(frame.data() + filled, frame.size() - filled), asio::as_tuple(asio::use_awaitable));
      if (ec2) {
        failed = true;
        break;
      }
      filled += n2;
    }
    if (failed) break;
    metrics_.received_bytes().inc(total + size_bytes.size());
    queued_bytes_ += frame.size();
    queued_.push_back(std::move(frame));
    frames_ready_.cancel();
  }
  reader_done_ = true;
  frames_ready_.cancel();
}

Task<void> Connection::wait_for(asio::steady_timer& timer) {
  timer.expires_at(asio::steady_timer::time_point::max());
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// The dispatcher: starts each request in arrival order, the next one only
// once the previous one has finished or released it.
Task<void> Connection::run() {
  auto self = shared_from_this();
  // Counted while run() is alive, however it ends.
  struct Open {
    explicit Open(metrics::GaugeCell& g) : gauge(g) { gauge.add(1); }
    ~Open() { gauge.add(-1); }
    metrics::GaugeCell& gauge;
  } open(metrics_.connections());
  asio::co_spawn(socket_.get_executor(), read_frames(), asio::detached);
  asio::co_spawn(socket_.get_executor(), write_responses(), asio::detached);
  while (!stopping_) {
    if (queued_.empty()) {
      if (reader_done_) break;
      co_await wait_for(frames_ready_);
      continue;
    }
    auto request = std::make_shared<InFlight>();
    request->frame = std::move(queued_.front());
    queued_.pop_front();
    in_flight_.push_back(request);
    asio::co_spawn(socket_.get_executor(), serve(request), asio::detached);
    while (!request->released && !writer_done_) co_await wait_for(released_);
    // A request that closes the connection is the last one dispatched.
    if (request->done && request->result.action == Dispatched::Action::kClose) break;
    if (writer_done_) break;
  }
  // Every response already promised is still written before the socket
  // closes (shutdown finishes in-flight requests).
  dispatch_done_ = true;
  response_ready_.cancel();
  while (!writer_done_) co_await wait_for(released_);
  stopping_ = true;
  room_ready_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

Task<void> Connection::serve(std::shared_ptr<InFlight> request) {
  auto self = shared_from_this();
  std::function<void()> release = [this, request]() {
    if (request->released) return;
    request->released = true;
    released_.cancel();
  };
  request->result = co_await dispatch_request(broker_, shard_, request->frame, peer_, release);
  request->done = true;
  release();
  response_ready_.cancel();
}

// The writer: sends the responses in request order as they become ready.
Task<void> Connection::write_responses() {
  auto self = shared_from_this();
  for (;;) {
    if (in_flight_.empty()) {
      if (dispatch_done_) break;
      co_await wait_for(response_ready_);
      continue;
    }
    std::shared_ptr<InFlight> request = in_flight_.front();
    if (!request->done) {
      co_await wait_for(response_ready_);
      continue;
    }
    const Dispatched& d = request->result;
    bool keep = true;
    switch (d.action) {
      case Dispatched::Action::kClose:
        log::kafka().warn("kafka: closing connection from {}: {}", peer_, d.why);
        keep = false;
        break;
      case Dispatched::Action::kNoResponse:
        break;
      case Dispatched::Action::kRespond:
        keep = co_await write_response(d.correlation_id, d.response_header_version, d.body, d.splices);
        break;
    }
    in_flight_.pop_front();
    // Only now does the frame's memory leave the budget: the handler may
    // have held views into it until the response was written.
    queued_bytes_ -= request->frame.size();
    room_ready_.cancel();
    // Shutdown closes a connection once its last promised response is out
    // (an acks=0 produce has none to write, so this is checked here too).
    if (!keep || (stopping_ && in_flight_.empty())) break;
  }
  // Requests still in flight after a failure finish on their own; nothing
  // more is written, and the socket is closed so the reader stops too.
  writer_done_ = true;
  stopping_ = true;
  released_.cancel();
  room_ready_.cancel();
  frames_ready_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

Task<bool> Connection::write_response(int32_t correlation_id, int16_t header_version,
                                      const std::vector<uint8_t>& body, const std::vector<Splice>& splices) {
  // Size, correlation id and (flexible header) an empty tagged-field block.
  std::array<uint8_t, 9> head;
  size_t head_size = header_version >= 1 ? 9 : 8;
  store_u32(head.data(), static_cast<uint32_t>(head_size - 4 + body.size() + spliced_bytes(splices)));
  store_u32(head.data() + 4, static_cast<uint32_t>(correlation_id));
  head[8] = 0;
  // The body up to the first splice goes with the header in one write.
  const size_t first = splices.empty() ? body.size() : splices.front().at;
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head.data(), head_size),
                                            asio::buffer(body.data(), first)};
  auto [ec, n] = co_await asio::async_write(socket_, buffers, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return false;
  metrics_.sent_bytes().inc(head_size + body.size() + spliced_bytes(splices));
  for (size_t i = 0; i < splices.size(); ++i) {
    if (!co_await send_log_bytes(splices[i].file)) co_return false;
    const size_t from = splices[i].at;
    const size_t to = i + 1 < splices.size() ? splices[i + 1].at : body.size();
    if (to > from) {
      auto [ec2, n2] = co_await asio::async_write(socket_, asio::buffer(body.data() + from, to - from),
                                                  asio::as_tuple(asio::use_awaitable));
      if (ec2) co_return false;
    }
  }
  co_return !stopping_;
}

Task<bool> Connection::send_log_bytes(const FileSlice& slice) {
  if (!slice.memory.empty()) {
    std::vector<asio::const_buffer> pieces;
    pieces.reserve(slice.memory.size());
    for (const auto& piece : slice.memory) pieces.emplace_back(piece.data, piece.length);
    auto [ec, n] = co_await asio::async_write(socket_, pieces, asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }
  // sendfile moves the bytes from the page cache to the socket without a
  // copy through user space; on a full socket buffer it waits for room.
  off_t position = static_cast<off_t>(slice.position);
  size_t left = slice.length;
  socket_.native_non_blocking(true);
  while (left > 0) {
    ssize_t n = ::sendfile(socket_.native_handle(), slice.fd.get(), &position, left);
    if (n > 0) {
      left -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto [ec] =
          co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return false;
      continue;
    }
    // n == 0: the file is shorter than the range (it cannot be: segments
    // only grow past a range) — or an error. Either way the response is
    // broken mid-frame, so the connection must go.
    log::kafka().warn("kafka: sending log bytes to {} failed: {}", peer_,
                      n == 0 ? "end of file" : std::strerror(errno));
    co_return false;
  }
  co_return true;
}

}  // namespace runnel::kafka
