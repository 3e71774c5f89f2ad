// Loopback TCP throughput: what the kernel moves between two sockets on this
// machine, the ceiling for any client/broker pair on it. See baselines.h.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "benchtool/baselines.h"
#include "benchtool/producer_pool.h"
#include "benchtool/stop_flag.h"

namespace runnel::benchtool {

BenchResult run_loopback(double duration_s, const std::string& id) {
  BenchResult r;
  r.id = id;
  r.workload = "loopback";
  r.target = "loopback";
  r.params = "1MiB writes, 1 sender, 1 receiver";
  constexpr std::size_t kChunk = 1 << 20;

  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener, 1) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    r.error = std::string("listen: ") + std::strerror(errno);
    if (listener >= 0) ::close(listener);
    return r;
  }
  std::atomic<std::int64_t> received{0};
  std::atomic<std::int64_t> last_ns{0};
  std::thread receiver([&] {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::vector<char> buf(kChunk);
    for (;;) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      received.fetch_add(n, std::memory_order_relaxed);
      last_ns.store(steady_ns(), std::memory_order_relaxed);
    }
    ::close(fd);
  });

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    r.error = std::string("connect: ") + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::shutdown(listener, SHUT_RDWR);
    ::close(listener);
    receiver.join();
    return r;
  }
  std::vector<char> chunk(kChunk, 'x');
  const std::int64_t start = steady_ns();
  const std::int64_t deadline = start + static_cast<std::int64_t>(duration_s * 1e9);
  std::int64_t chunks = 0;
  while (steady_ns() < deadline && !stop_requested()) {
    std::size_t off = 0;
    while (off < kChunk) {
      ssize_t w = ::send(fd, chunk.data() + off, kChunk - off, MSG_NOSIGNAL);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    if (off < kChunk) break;
    ++chunks;
  }
  ::shutdown(fd, SHUT_WR);
  receiver.join();
  ::close(fd);
  ::close(listener);
  r.records = chunks;
  r.bytes = received.load();
  r.seconds = static_cast<double>(last_ns.load() - start) / 1e9;
  if (r.bytes == 0) r.error = "nothing received";
  return r;
}

}  // namespace runnel::benchtool
