#include "http/admin_server.h"

#include "base/logging.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <list>
#include <optional>
#include <stdexcept>

namespace runnel::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct AdminServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& context, Router r, ServerLimits l)
      : acceptor(context), router(std::move(r)), limits(l) {}

  asio::awaitable<void> accept_loop();
  // Runs the router; resumes on this server's thread whenever and wherever
  // an async handler responds.
  asio::awaitable<Response> route(Request request);
  asio::awaitable<void> serve(std::shared_ptr<beast::tcp_stream> stream);
  void close_all();

  tcp::acceptor acceptor;
  Router router;
  ServerLimits limits;
  bool stopped = false;
  std::list<std::weak_ptr<beast::tcp_stream>> connections;
  size_t open = 0;
};

namespace {

// Sends one response; false when the write failed (the peer went away or
// the timeout fired).
// A HEAD request gets the GET response's headers (Content-Length included)
// and no body.
asio::awaitable<bool> send_head(beast::tcp_stream& stream, const Response& reply, unsigned version,
                                bool keep_alive, std::chrono::milliseconds timeout) {
  bhttp::response<bhttp::empty_body> response;
  response.version(version == 10 ? 10 : 11);
  response.result(static_cast<unsigned>(reply.status));
  response.reason(reason_phrase(reply.status));
  response.set(bhttp::field::server, "runnel");
  response.set(bhttp::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.content_length(reply.body.size());
  beast::error_code ec;
  stream.expires_after(timeout);
  bhttp::serializer<false, bhttp::empty_body> serializer(response);
  serializer.split(true);
  co_await bhttp::async_write_header(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<bool> send(beast::tcp_stream& stream, const Response& reply, unsigned version,
                           bool keep_alive, std::chrono::milliseconds timeout) {
  bhttp::response<bhttp::string_body> response;
  response.version(version == 10 ? 10 : 11);
  response.result(static_cast<unsigned>(reply.status));
  response.reason(reason_phrase(reply.status));
  response.set(bhttp::field::server, "runnel");
  response.set(bhttp::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.body() = reply.body;
  response.keep_alive(keep_alive);
  response.prepare_payload();
  beast::error_code ec;
  stream.expires_after(timeout);
  co_await bhttp::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

// The response to a request that could not be read, or nothing when the
// connection should just close (peer gone, timeout).
std::optional<Response> read_failure(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return json_error(431, "request headers too large");
  if (ec == bhttp::error::body_limit) return json_error(413, "request body too large");
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset || ec == asio::error::eof ||
      ec == bhttp::error::partial_message) {
    return std::nullopt;
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    std::string message = "malformed request: ";
    message.append(ec.message());
    return json_error(400, message);
  }
  return std::nullopt;
}

}  // namespace

asio::awaitable<void> AdminServer::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopped) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped || !acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      log::http().warn("http: admin API accept failed: {}", ec.message());
      continue;
    }
    if (open >= limits.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    std::erase_if(connections, [](const std::weak_ptr<beast::tcp_stream>& c) { return c.expired(); });
    connections.push_back(stream);
    ++open;  // counted here, not in serve(), which starts later
    asio::co_spawn(acceptor.get_executor(), serve(std::move(stream)), asio::detached);
  }
}

asio::awaitable<void> AdminServer::Impl::serve(std::shared_ptr<beast::tcp_stream> stream) {
  auto self = shared_from_this();
  beast::flat_buffer buffer(limits.header_limit + 1024);
  try {
    while (!stopped) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(limits.header_limit));
      parser.body_limit(limits.body_limit);
      beast::error_code ec;
      stream->expires_after(limits.read_timeout);
      co_await bhttp::async_read(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        std::optional<Response> reply = read_failure(ec);
        if (reply) co_await send(*stream, *reply, 11, false, limits.read_timeout);
        break;
      }
      bhttp::request<bhttp::string_body> message = parser.release();
      Request request;
      request.method = std::string(message.method_string());
      request.target = std::string(message.target());
      request.body = std::move(message.body());
      const bool head = request.method == "HEAD";
      Response reply = co_await route(std::move(request));
      bool keep_alive = message.keep_alive() && !stopped;
      if (stopped) break;
      bool sent = head
                      ? co_await send_head(*stream, reply, message.version(), keep_alive, limits.read_timeout)
                      : co_await send(*stream, reply, message.version(), keep_alive, limits.read_timeout);
      if (!sent || !keep_alive) break;
    }
  } catch (const std::exception& e) {
    log::http().debug("http: admin API connection failed: {}", e.what());
  }
  beast::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream->close();
  --open;
}

asio::awaitable<Response> AdminServer::Impl::route(Request request) {
  auto executor = acceptor.get_executor();
  auto start = [this, executor, request = std::move(request)](auto handler) mutable {
    // Respond must be copyable; the completion handler is move-only.
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    Respond respond = [executor, shared](Response response) {
      asio::post(executor, [shared, response = std::move(response)]() mutable {
        std::move (*shared)(std::move(response));
      });
    };
    try {
      router.dispatch(std::move(request), respond);
    } catch (const std::exception& e) {
      respond(json_error(500, std::string("internal error: ") + e.what()));
    }
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Response)>(
      std::move(start), asio::use_awaitable);
}

void AdminServer::Impl::close_all() {
  for (auto& weak : connections) {
    if (auto stream = weak.lock()) stream->cancel();
  }
  connections.clear();
}

AdminServer::AdminServer(asio::io_context& context, Router router, ServerLimits limits)
    : impl_(std::make_shared<Impl>(context, std::move(router), limits)) {}

AdminServer::~AdminServer() {
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

void AdminServer::bind(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    std::string why = "cannot listen on admin address ";
    why.append(host).append(":").append(std::to_string(port)).append(": ").append(ec.message());
    throw std::runtime_error(why);
  }
}

uint16_t AdminServer::port() const {
  beast::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void AdminServer::start() {
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
}

void AdminServer::stop() {
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->close_all();
}

}  // namespace runnel::http
