#include "kafka/listener.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <stdexcept>

#include "base/logging.h"
#include "kafka/broker.h"
#include "kafka/connection.h"
#include "kafka/request_metrics.h"

namespace runnel::kafka {

namespace {

asio::ip::tcp::endpoint resolve(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, port};
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    std::string why = "cannot resolve listener host \"";
    why.append(host).append("\": ").append(ec ? ec.message() : "no addresses");
    throw std::runtime_error(why);
  }
  return *results.begin();
}

}  // namespace

KafkaListener::KafkaListener(Broker& broker) : broker_(broker) {}
KafkaListener::~KafkaListener() = default;

void KafkaListener::bind(const std::string& host, uint16_t port) {
  auto endpoint = resolve(host, port);
  auto fail = [&](const boost::system::error_code& ec) {
    std::string why = "cannot listen on Kafka address ";
    why.append(host).append(":").append(std::to_string(endpoint.port())).append(": ").append(ec.message());
    throw std::runtime_error(why);
  };
  // SO_REUSEPORT would let this process share a port another broker already
  // listens on (same user), so first a plain bind proves the port is free.
  {
    asio::ip::tcp::acceptor probe(broker_.shards().context(0));
    boost::system::error_code ec;
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec) fail(ec);
  }
  for (unsigned s = 0; s < broker_.shards().count(); ++s) {
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(broker_.shards().context(s));
    boost::system::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
        ec.assign(errno, boost::system::system_category());
      }
    }
    // With port 0 the first acceptor picks the port and the others join it.
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail(ec);
    if (s == 0) {
      port_ = acceptor->local_endpoint().port();
      endpoint.port(port_);
    }
    acceptors_.push_back(std::move(acceptor));
  }
}

void KafkaListener::start() {
  for (unsigned s = 0; s < acceptors_.size(); ++s) {
    asio::co_spawn(broker_.shards().context(s), accept_loop(s), asio::detached);
  }
}

void KafkaListener::stop_local() {
  unsigned s = broker_.shards().current();
  if (s < acceptors_.size()) {
    boost::system::error_code ignored;
    acceptors_[s]->close(ignored);
  }
}

Task<void> KafkaListener::accept_loop(unsigned shard) {
  auto& acceptor = *acceptors_[shard];
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of descriptors and the like: say so, give connections a moment
      // to close, and keep accepting.
      log::kafka().warn("kafka listener: accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    RequestMetrics::of(shard).connects().inc();
    boost::system::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(broker_, shard, std::move(socket));
    broker_.track(connection);
    asio::co_spawn(
        acceptor.get_executor(), [connection]() { return connection->run(); }, asio::detached);
  }
}

}  // namespace runnel::kafka
