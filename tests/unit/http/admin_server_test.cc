#include "http/admin_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

namespace runnel::http {
namespace {

using namespace std::chrono_literals;

Response ok(std::string body) {
  Response response;
  response.body = std::move(body);
  return response;
}

Router test_routes() {
  Router router;
  router.add("GET", "/hello", [](const Request&) { return ok(R"({"hello": true})"); });
  router.add("POST", "/echo", [](const Request& r) { return ok(r.body); });
  router.add("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  // Answers from another thread, later: the server must resume on its own.
  router.add_async("GET", "/later/{what}", [](const Request& r, Respond respond) {
    std::thread([what = r.params.at("what"), respond] {
      std::this_thread::sleep_for(20ms);
      respond(ok("{\"later\": \"" + what + "\"}"));
    }).detach();
  });
  return router;
}

// A server on its own thread, bound to an ephemeral port on 127.0.0.1.
class Running {
 public:
  explicit Running(ServerLimits limits)
      : work_(context_.get_executor()), server_(context_, test_routes(), limits) {
    server_.bind("127.0.0.1", 0);
    server_.start();
    thread_ = std::thread([this] { context_.run(); });
  }
  ~Running() {
    stop();
    work_.reset();
    context_.stop();
    thread_.join();
  }
  uint16_t port() const { return server_.port(); }
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    std::promise<void> done;
    boost::asio::post(context_, [&] {
      server_.stop();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  AdminServer server_;
  std::thread thread_;
  bool stopped_ = false;
};

// A blocking client socket with a receive timeout.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }
  // Everything until the peer closes (or the receive timeout).
  std::string read_all() {
    std::string out;
    char buffer[4096];
    while (true) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
  // Reads until `marker` has been seen `count` times.
  std::string read_until(const std::string& marker, int count) {
    std::string out;
    char buffer[4096];
    auto seen = [&] {
      int found = 0;
      for (size_t at = out.find(marker); at != std::string::npos; at = out.find(marker, at + 1)) ++found;
      return found;
    };
    while (seen() < count) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

std::string exchange(uint16_t port, const std::string& request) {
  Client client(port);
  client.send(request);
  return client.read_all();
}

TEST(AdminServer, AnswersThroughTheRouter) {
  Running server({});
  std::string reply = exchange(server.port(), "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(starts_with(reply, "HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_NE(reply.find("Content-Type: application/json\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\r\n\r\n{\"hello\": true}"), std::string::npos) << reply;
}

TEST(AdminServer, AsyncHandlersAnswerInOrderOnOneConnection) {
  Running server({});
  Client client(server.port());
  client.send(
      "GET /later/one HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /later/two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string replies = client.read_all();
  size_t one = replies.find("{\"later\": \"one\"}");
  size_t hello = replies.find("{\"hello\": true}");
  size_t two = replies.find("{\"later\": \"two\"}");
  ASSERT_NE(one, std::string::npos) << replies;
  ASSERT_NE(hello, std::string::npos) << replies;
  ASSERT_NE(two, std::string::npos) << replies;
  EXPECT_LT(one, hello);
  EXPECT_LT(hello, two);
}

TEST(AdminServer, HeadSendsHeadersOnly) {
  Running server({});
  std::string reply = exchange(server.port(), "HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(starts_with(reply, "HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_NE(reply.find("Content-Length: 15\r\n"), std::string::npos) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;  // no body
}

TEST(AdminServer, NotFoundAndMethodNotAllowed) {
  Running server({});
  std::string missing = exchange(server.port(), "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(starts_with(missing, "HTTP/1.1 404 Not Found\r\n")) << missing;
  std::string wrong =
      exchange(server.port(), "DELETE /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(starts_with(wrong, "HTTP/1.1 405 Method Not Allowed\r\n")) << wrong;
  EXPECT_NE(wrong.find("Allow: GET, HEAD\r\n"), std::string::npos) << wrong;
}

TEST(AdminServer, KeepAliveAndPipelining) {
  Running server({});
  Client client(server.port());
  client.send(
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
      "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string replies = client.read_all();
  size_t first = replies.find("HTTP/1.1 200 OK");
  size_t second = replies.find("HTTP/1.1 200 OK", first + 1);
  size_t third = replies.find("HTTP/1.1 200 OK", second + 1);
  EXPECT_NE(third, std::string::npos) << replies;
  EXPECT_NE(replies.find("\r\n\r\nabcde"), std::string::npos) << replies;
}

TEST(AdminServer, HandlerExceptionIs500) {
  Running server({});
  std::string reply = exchange(server.port(), "GET /throw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(starts_with(reply, "HTTP/1.1 500 Internal Server Error\r\n")) << reply;
  EXPECT_NE(reply.find("boom"), std::string::npos) << reply;
}

TEST(AdminServer, GarbageIs400AndClosed) {
  Running server({});
  std::string reply = exchange(server.port(), std::string("\x01\x02 garbage\xff\r\n\r\n"));
  EXPECT_TRUE(starts_with(reply, "HTTP/1.1 400 Bad Request\r\n")) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  // The server still serves new connections.
  std::string good = exchange(server.port(), "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(starts_with(good, "HTTP/1.1 200 OK\r\n")) << good;
}

TEST(AdminServer, HeaderLimit) {
  ServerLimits limits;
  limits.header_limit = 1024;
  Running server(limits);
  std::string request = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ";
  request.append(2048, 'a').append("\r\n\r\n");
  std::string reply = exchange(server.port(), request);
  EXPECT_TRUE(starts_with(reply, "HTTP/1.1 431 ")) << reply;
}

TEST(AdminServer, BodyLimit) {
  ServerLimits limits;
  limits.body_limit = 16;
  Running server(limits);
  std::string reply = exchange(
      server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n12345678901234567");
  EXPECT_TRUE(starts_with(reply, "HTTP/1.1 413 ")) << reply;
  std::string fits =
      exchange(server.port(),
               "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 16\r\n\r\n"
               "1234567890123456");
  EXPECT_TRUE(starts_with(fits, "HTTP/1.1 200 OK\r\n")) << fits;
}

TEST(AdminServer, PartialRequestTimesOut) {
  ServerLimits limits;
  limits.read_timeout = 200ms;
  Running server(limits);
  Client client(server.port());
  client.send("GET /hello HTTP/1.1\r\nHost");
  auto start = std::chrono::steady_clock::now();
  std::string reply = client.read_all();
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply, "");
  EXPECT_LT(waited, 3s);  // closed by the server, not by the client's 5 s timeout
}

TEST(AdminServer, ConnectionCap) {
  ServerLimits limits;
  limits.max_connections = 2;
  Running server(limits);
  Client a(server.port());
  Client b(server.port());
  a.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  b.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(starts_with(a.read_until("\r\n\r\n", 1), "HTTP/1.1 200"));
  EXPECT_TRUE(starts_with(b.read_until("\r\n\r\n", 1), "HTTP/1.1 200"));
  Client c(server.port());
  c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read_all(), "");
}

TEST(AdminServer, StopClosesOpenConnections) {
  Running server({});
  Client client(server.port());
  client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(starts_with(client.read_until("\r\n\r\n", 1), "HTTP/1.1 200"));
  auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_EQ(client.read_all().find("HTTP/1.1"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(AdminServer, BindFailureNamesTheAddress) {
  Running first({});
  boost::asio::io_context context;
  AdminServer second(context, Router{});
  try {
    second.bind("127.0.0.1", first.port());
    FAIL() << "bind succeeded on a taken port";
  } catch (const std::runtime_error& e) {
    std::string expected = "cannot listen on admin address 127.0.0.1:";
    expected.append(std::to_string(first.port()));
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace runnel::http
