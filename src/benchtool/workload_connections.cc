// Idle connections and broker memory; see workloads.h.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "benchtool/child_process.h"
#include "benchtool/producer_pool.h"
#include "benchtool/stop_flag.h"
#include "benchtool/workloads.h"

namespace runnel::benchtool {

namespace {

// host:port of the first bootstrap address.
bool first_address(const std::string& bootstrap, std::string& host, std::string& port) {
  std::string first = bootstrap.substr(0, bootstrap.find(','));
  auto colon = first.rfind(':');
  if (colon == std::string::npos) return false;
  host = first.substr(0, colon);
  port = first.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return true;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, char* p, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// One ApiVersions v0 round trip, so the broker has really set the
// connection up (a bare TCP accept may cost it nothing yet).
bool api_versions(int fd, std::int32_t correlation) {
  static const char kClient[] = "runnel-bench";
  constexpr std::size_t kClientLen = sizeof kClient - 1;
  // size, api key 18 (ApiVersions), version 0, correlation id, client id.
  char req[4 + 2 + 2 + 4 + 2 + kClientLen];
  const std::uint32_t size = htonl(static_cast<std::uint32_t>(sizeof req - 4));
  const std::uint16_t key = htons(18), version = htons(0), client_len = htons(kClientLen);
  const std::uint32_t corr = htonl(static_cast<std::uint32_t>(correlation));
  std::memcpy(req, &size, 4);
  std::memcpy(req + 4, &key, 2);
  std::memcpy(req + 6, &version, 2);
  std::memcpy(req + 8, &corr, 4);
  std::memcpy(req + 12, &client_len, 2);
  std::memcpy(req + 14, kClient, kClientLen);
  if (!write_all(fd, req, sizeof req)) return false;
  std::uint32_t reply_size = 0;
  if (!read_all(fd, reinterpret_cast<char*>(&reply_size), 4)) return false;
  reply_size = ntohl(reply_size);
  if (reply_size < 4 || reply_size > (1u << 20)) return false;
  std::vector<char> body(reply_size);
  if (!read_all(fd, body.data(), reply_size)) return false;
  std::uint32_t got = 0;
  std::memcpy(&got, body.data(), 4);
  return static_cast<std::int32_t>(ntohl(got)) == correlation;
}

}  // namespace

BenchResult measure_rss(const KafkaTarget& target, const std::string& id, const std::string& what) {
  BenchResult r;
  r.id = id;
  r.workload = "rss";
  r.target = target.name;
  r.params = what;
  if (target.pid <= 0) {
    r.error = "broker process unknown (use --start-runnel, or --broker-pid with --brokers)";
    return r;
  }
  auto rss = rss_kib(target.pid);
  if (!rss) {
    r.error = "cannot read /proc/" + std::to_string(target.pid) + "/status";
    return r;
  }
  r.extra.emplace_back("rss_mib", static_cast<double>(*rss) / 1024);
  return r;
}

BenchResult run_connections(const KafkaTarget& target, const WorkloadParams& p, const std::string& id) {
  BenchResult r;
  r.id = id;
  r.workload = "connections";
  r.target = target.name;
  r.params = std::to_string(p.connections) + " idle connections";
  if (target.pid <= 0) {
    r.error = "broker process unknown (use --start-runnel, or --broker-pid with --brokers)";
    return r;
  }
  std::string host, port;
  if (!first_address(target.bootstrap, host, port)) {
    r.error = "bad bootstrap address " + target.bootstrap;
    return r;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0 || !ai) {
    r.error = "cannot resolve " + host;
    return r;
  }
  raise_fd_limit();
  auto before = rss_kib(target.pid);
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(p.connections));
  const std::int64_t start = steady_ns();
  for (int i = 0; i < p.connections && !stop_requested(); ++i) {
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      r.error =
          std::string("socket: ") + std::strerror(errno) + " after " + std::to_string(i) + " connections";
      break;
    }
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 || !api_versions(fd, i + 1)) {
      r.error = "connection " + std::to_string(i + 1) + " failed: " + std::strerror(errno);
      ::close(fd);
      break;
    }
    fds.push_back(fd);
  }
  ::freeaddrinfo(ai);
  r.seconds = static_cast<double>(steady_ns() - start) / 1e9;
  // Let the broker settle (buffers grow lazily) before weighing it.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto after = rss_kib(target.pid);
  r.records = static_cast<std::int64_t>(fds.size());
  for (int fd : fds) ::close(fd);
  if (!before || !after) {
    if (r.ok()) r.error = "broker process gone";
    return r;
  }
  r.extra.emplace_back("rss_before_mib", static_cast<double>(*before) / 1024);
  r.extra.emplace_back("rss_after_mib", static_cast<double>(*after) / 1024);
  if (!fds.empty())
    r.extra.emplace_back("kib_per_connection",
                         static_cast<double>(*after - *before) / static_cast<double>(fds.size()));
  return r;
}

}  // namespace runnel::benchtool
