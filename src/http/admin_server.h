// AdminServer: an HTTP/1.1 server (Boost.Beast) on one io_context that
// answers every request through a Router. Hostile input is bounded: request
// headers are capped (header_limit), bodies too (body_limit), each request
// must arrive within read_timeout, and at most max_connections are served at
// once; a request that breaks a limit gets an error response or a closed
// connection. Beast and Asio stay in admin_server.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/router.h"

namespace boost::asio {
class io_context;
}

namespace runnel::http {

struct ServerLimits {
  size_t header_limit = 16 * 1024;
  size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  size_t max_connections = 256;
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& context, Router router, ServerLimits limits = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Throws std::runtime_error with one line naming the address when it
  // cannot listen (port in use, bad address ...).
  void bind(const std::string& host, uint16_t port);
  // The port actually bound (differs from the requested one for port 0).
  uint16_t port() const;
  // Starts accepting; call from any thread before the context runs, or on it.
  void start();
  // On the context's thread: stops accepting and closes open connections.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace runnel::http
