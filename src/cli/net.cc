#include "cli/net.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace runnel::cli {

namespace {

std::string lower_error(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

int64_t monotonic_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, int64_t deadline_ms) {
  while (true) {
    const int64_t left = deadline_ms - monotonic_ms();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

Outcome<UniqueFd> connect_one(const addrinfo* ai, int64_t deadline_ms) {
  UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
  if (!fd) return fail(lower_error(errno));
  if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return fail(lower_error(errno));
    if (!wait_for(fd.get(), POLLOUT, deadline_ms)) return fail("connection timed out");
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return fail(lower_error(errno));
    if (err != 0) return fail(lower_error(err));
  }
  return fd;
}

}  // namespace

Outcome<UniqueFd> tcp_connect(const HostPort& address, int64_t timeout_ms) {
  const int64_t deadline = monotonic_ms() + timeout_ms;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const std::string port = std::to_string(address.port);
  const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0) {
    std::string m = "cannot resolve host (";
    m.append(gai_strerror(rc)).append(")");
    return fail(std::move(m));
  }
  std::string last = "no address";
  for (const addrinfo* ai = result; ai; ai = ai->ai_next) {
    auto fd = connect_one(ai, deadline);
    if (fd.ok()) {
      ::freeaddrinfo(result);
      return fd;
    }
    last = fd.error();
  }
  ::freeaddrinfo(result);
  return fail(last);
}

Outcome<HttpResponse> parse_http_response(std::string_view raw) {
  const size_t header_end = raw.find("\r\n\r\n");
  if (header_end == std::string_view::npos) return fail("incomplete HTTP response");
  const std::string_view head = raw.substr(0, header_end);
  std::string_view body = raw.substr(header_end + 4);
  if (!head.starts_with("HTTP/1.")) return fail("not an HTTP response");
  HttpResponse r;
  const size_t space = head.find(' ');
  if (space == std::string_view::npos || space + 4 > head.size()) return fail("bad HTTP status line");
  auto [p, ec] = std::from_chars(head.data() + space + 1, head.data() + space + 4, r.status);
  if (ec != std::errc()) return fail("bad HTTP status line");
  // Header names are case-insensitive.
  std::string lower_head(head);
  for (char& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool chunked = lower_head.find("\r\ntransfer-encoding: chunked") != std::string::npos;
  if (!chunked) {
    const size_t cl = lower_head.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      size_t v = cl + 17;
      while (v < lower_head.size() && lower_head[v] == ' ') ++v;
      size_t length = 0;
      std::from_chars(lower_head.data() + v, lower_head.data() + lower_head.size(), length);
      if (body.size() < length) return fail("HTTP body shorter than its Content-Length");
      body = body.substr(0, length);
    }
    r.body = std::string(body);
    return r;
  }
  while (true) {
    const size_t line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) return fail("truncated chunked HTTP body");
    size_t size = 0;
    auto [q, ec2] = std::from_chars(body.data(), body.data() + line_end, size, 16);
    if (ec2 != std::errc()) return fail("bad chunk size in HTTP body");
    body.remove_prefix(line_end + 2);
    if (size == 0) return r;
    if (body.size() < size + 2) return fail("truncated chunked HTTP body");
    r.body.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

Outcome<HttpResponse> http_get(const HostPort& address, std::string_view path, int64_t timeout_ms) {
  const int64_t deadline = monotonic_ms() + timeout_ms;
  auto fd = tcp_connect(address, timeout_ms);
  if (!fd.ok()) return fd.failure();
  std::string request = "GET ";
  request.append(path).append(" HTTP/1.1\r\nHost: ").append(address.to_string());
  request.append("\r\nUser-Agent: runnel-cli\r\nAccept: application/json\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd->get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd->get(), POLLOUT, deadline)) return fail("timed out sending the request");
    } else if (n < 0 && errno != EINTR) {
      return fail(lower_error(errno));
    }
  }
  std::string raw;
  char buf[8192];
  while (true) {
    const ssize_t n = ::recv(fd->get(), buf, sizeof buf, 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
      if (raw.size() > (64u << 20)) return fail("HTTP response larger than 64 MiB");
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd->get(), POLLIN, deadline)) return fail("timed out waiting for the response");
    } else if (errno != EINTR) {
      return fail(lower_error(errno));
    }
  }
  return parse_http_response(raw);
}

}  // namespace runnel::cli
