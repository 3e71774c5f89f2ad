// Redis Streams baseline: Debian's redis-server with an append-only file,
// XADD pipelined with the same payloads and count as the Kafka runs, then
// XREADGROUP + XACK draining the stream. Spoken in RESP over a plain socket.
// See baselines.h.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "benchtool/baselines.h"
#include "benchtool/child_process.h"
#include "benchtool/producer_pool.h"
#include "benchtool/resp_reader.h"
#include "benchtool/stop_flag.h"

namespace runnel::benchtool {

namespace {

class RespConnection {
 public:
  ~RespConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  std::string connect(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* ai = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0 || !ai) return "cannot resolve " + host;
    fd_ = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd_ < 0 ? -1 : ::connect(fd_, ai->ai_addr, ai->ai_addrlen);
    ::freeaddrinfo(ai);
    if (rc != 0) return "connect " + host + ":" + port + ": " + std::strerror(errno);
    return "";
  }
  bool send(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t w = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (w <= 0) return false;
      off += static_cast<std::size_t>(w);
    }
    return true;
  }
  // The next reply; nullopt on a closed connection or bad bytes.
  std::optional<RespValue> reply() {
    for (;;) {
      if (auto v = reader_.next()) return v;
      if (!reader_.error().empty()) return std::nullopt;
      char buf[256 * 1024];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      reader_.feed(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  RespReader reader_;
};

std::string describe_redis(const WorkloadParams& p, const RedisOptions& o) {
  return format_size(static_cast<std::int64_t>(p.record_size)) +
         " appendfsync=" + (o.appendfsync == "no" ? std::string("off") : o.appendfsync) +
         " pipeline=" + std::to_string(o.pipeline);
}

}  // namespace

std::vector<BenchResult> run_redis(const WorkloadParams& p, const RedisOptions& o, const std::string& id) {
  BenchResult add;
  add.id = id + ".xadd";
  add.workload = "redis-xadd";
  add.target = o.appendfsync == "no" ? "redis" : "redis-" + o.appendfsync;
  add.params = describe_redis(p, o);
  BenchResult read = add;
  read.id = id + ".xreadgroup";
  read.workload = "redis-xreadgroup";

  ChildProcess server;
  std::string host = "127.0.0.1";
  std::string port;
  if (o.address.empty()) {
    port = std::to_string(free_port());
    std::vector<std::string> argv = {o.server,      "--port",       port,
                                     "--bind",      "127.0.0.1",    "--dir",
                                     o.dir,         "--save",       "",
                                     "--daemonize", "no",           "--protected-mode",
                                     "no",          "--appendonly", o.appendfsync == "no" ? "no" : "yes"};
    if (o.appendfsync != "no") {
      argv.push_back("--appendfsync");
      argv.push_back(o.appendfsync);
    }
    add.error = server.start(argv, o.dir + "/redis.log");
    if (add.ok() && !server.wait_accepting(std::stoi(port), 30))
      add.error = "redis-server did not start; log tail:\n" + server.log_tail();
  } else {
    auto colon = o.address.rfind(':');
    host = o.address.substr(0, colon);
    port = colon == std::string::npos ? "6379" : o.address.substr(colon + 1);
  }
  RespConnection c;
  if (add.ok()) add.error = c.connect(host, port);
  if (!add.ok()) {
    read.error = add.error;
    return {add, read};
  }

  const std::string key = "runnel-bench-" + std::to_string(::getpid());
  std::string payload(p.record_size, '\0');
  std::mt19937_64 rng(42);
  for (auto& ch : payload) ch = static_cast<char>(rng());

  // XADD in pipelined rounds of o.pipeline commands.
  const std::int64_t start = steady_ns();
  const double limit_s = p.count > 0 ? o.max_seconds : p.duration_s;
  const std::int64_t deadline = limit_s > 0 ? start + static_cast<std::int64_t>(limit_s * 1e9) : INT64_MAX;
  std::string batch;
  while ((p.count == 0 || add.records < p.count) && steady_ns() < deadline && !stop_requested() && add.ok()) {
    const std::int64_t n =
        p.count > 0 ? std::min<std::int64_t>(o.pipeline, p.count - add.records) : o.pipeline;
    batch.clear();
    for (std::int64_t i = 0; i < n; ++i) resp_encode(batch, {"XADD", key, "*", "v", payload});
    if (!c.send(batch)) {
      add.error = "connection lost during XADD";
      break;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      auto v = c.reply();
      if (!v) {
        add.error = "connection lost during XADD";
        break;
      }
      if (v->type == RespValue::Type::kError) {
        ++add.errors;
        if (add.errors == 1) add.error = "XADD: " + v->str;
      } else {
        ++add.records;
      }
    }
  }
  add.seconds = static_cast<double>(steady_ns() - start) / 1e9;
  add.bytes = add.records * static_cast<std::int64_t>(p.record_size);
  if (server.pid() > 0) {
    if (auto rss = rss_kib(server.pid())) add.extra.emplace_back("rss_mib", static_cast<double>(*rss) / 1024);
  }
  if (!add.ok()) {
    read.error = add.error;
    return {add, read};
  }

  // Drain with XREADGROUP, acknowledging each round together with the next read.
  std::string cmd;
  resp_encode(cmd, {"XGROUP", "CREATE", key, "bench", "0"});
  if (!c.send(cmd) || !c.reply()) read.error = "XGROUP CREATE failed";
  const std::string count = std::to_string(o.pipeline);
  const std::int64_t read_start = steady_ns();
  std::vector<std::string> ids;
  while (read.ok() && read.records < add.records && !stop_requested()) {
    cmd.clear();
    bool acking = !ids.empty();
    if (acking) {
      std::vector<std::string_view> args = {"XACK", key, "bench"};
      for (const auto& i : ids) args.emplace_back(i);
      resp_encode(cmd, args);
    }
    resp_encode(cmd, {"XREADGROUP", "GROUP", "bench", "c1", "COUNT", count, "STREAMS", key, ">"});
    if (!c.send(cmd)) {
      read.error = "connection lost during XREADGROUP";
      break;
    }
    if (acking) {
      auto ack = c.reply();
      if (!ack || ack->type != RespValue::Type::kInteger) {
        read.error = "XACK failed";
        break;
      }
    }
    ids.clear();
    auto v = c.reply();
    if (!v || v->type == RespValue::Type::kError) {
      read.error = v ? "XREADGROUP: " + v->str : "connection lost during XREADGROUP";
      break;
    }
    // [[key, [[id, [field, value]], ...]]]
    if (v->type != RespValue::Type::kArray || v->elems.empty() || v->elems[0].elems.size() < 2) {
      read.error = "XREADGROUP returned nothing with " + std::to_string(add.records - read.records) + " left";
      break;
    }
    for (auto& entry : v->elems[0].elems[1].elems) {
      if (entry.elems.size() < 2) continue;
      ids.push_back(std::move(entry.elems[0].str));
      for (std::size_t f = 1; f < entry.elems[1].elems.size(); f += 2)
        read.bytes += static_cast<std::int64_t>(entry.elems[1].elems[f].str.size());
      ++read.records;
    }
  }
  if (read.ok() && !ids.empty()) {
    cmd.clear();
    std::vector<std::string_view> args = {"XACK", key, "bench"};
    for (const auto& i : ids) args.emplace_back(i);
    resp_encode(cmd, args);
    if (!c.send(cmd) || !c.reply()) read.error = "final XACK failed";
  }
  read.seconds = static_cast<double>(steady_ns() - read_start) / 1e9;
  cmd.clear();
  resp_encode(cmd, {"DEL", key});
  if (c.send(cmd)) c.reply();
  return {add, read};
}

}  // namespace runnel::benchtool
