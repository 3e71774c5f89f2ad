#include "cli/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <thread>

namespace runnel::cli {
namespace {

TEST(HttpResponse, ContentLength) {
  auto r = parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello-extra");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST(HttpResponse, Chunked) {
  auto r = parse_http_response(
      "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n"
      "3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "abc0123456789");
}

TEST(HttpResponse, Malformed) {
  EXPECT_FALSE(parse_http_response("garbage").ok());
  EXPECT_FALSE(parse_http_response("SMTP 220\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").ok());
}

// A listening socket on a kernel-chosen port, closed at the end.
struct Listener {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  Listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
};

TEST(TcpConnect, RefusedIsOneClearReason) {
  uint16_t port = 0;
  {
    Listener l;  // take a free port, then free it: nothing listens there
    port = l.port;
  }
  auto r = tcp_connect(HostPort{"127.0.0.1", port}, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "connection refused");
  auto dns = tcp_connect(HostPort{"no-such-host.invalid", 9092}, 1000);
  ASSERT_FALSE(dns.ok());
  EXPECT_NE(dns.error().find("cannot resolve host"), std::string::npos);
}

TEST(HttpGet, AgainstALocalServer) {
  Listener l;
  std::thread server([&] {
    const int c = ::accept(l.fd, nullptr, nullptr);
    char buf[1024];
    std::string req;
    while (req.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    const std::string resp = req.starts_with("GET /v1/cluster/health_overview HTTP/1.1\r\n")
                                 ? "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n{\"is_healthy\":true}"
                                 : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    ::send(c, resp.data(), resp.size(), 0);
    ::close(c);
  });
  auto r = http_get(HostPort{"127.0.0.1", l.port}, "/v1/cluster/health_overview", 5000);
  server.join();
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"is_healthy\":true}");
}

}  // namespace
}  // namespace runnel::cli
