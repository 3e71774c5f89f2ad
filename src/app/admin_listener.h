// AdminListener: binds the admin HTTP address so the port is owned and a
// conflict is reported at start-up. Its endpoints (health, metrics, the
// Redpanda-style admin API) land with the admin issue; until then every
// request gets 503 with a JSON body saying so.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>

namespace runnel::app {

class AdminListener {
 public:
  explicit AdminListener(boost::asio::io_context& context);
  // Throws std::runtime_error naming the address when it cannot listen.
  void bind(const std::string& host, uint16_t port);
  void start();
  void stop();

 private:
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace runnel::app
