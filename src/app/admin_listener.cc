#include "app/admin_listener.h"

#include <boost/asio/write.hpp>

#include <memory>
#include <stdexcept>

namespace runnel::app {

namespace asio = boost::asio;

AdminListener::AdminListener(asio::io_context& context) : acceptor_(context) {}

void AdminListener::bind(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  asio::ip::tcp::endpoint endpoint(address, port);
  if (!ec) acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string why = "cannot listen on admin address ";
    throw std::runtime_error(why.append(host).append(":").append(std::to_string(port)).append(": ").append(ec.message()));
  }
}

void AdminListener::start() { accept_next(); }

void AdminListener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void AdminListener::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      static const std::string kBody = R"({"code":503,"message":"the admin API is not implemented yet"})";
      auto reply = std::make_shared<std::string>("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                                 "Connection: close\r\nContent-Length: ");
      reply->append(std::to_string(kBody.size())).append("\r\n\r\n").append(kBody);
      auto peer = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
      asio::async_write(*peer, asio::buffer(*reply), [peer, reply](const boost::system::error_code&, size_t) {
        boost::system::error_code ignored;
        peer->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      });
    }
    accept_next();
  });
}

}  // namespace runnel::app
