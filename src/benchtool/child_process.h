// ChildProcess: a server the harness starts (runnel serve, redis-server) and
// always stops: SIGTERM then SIGKILL after a grace period, from the destructor
// too, and the kernel sends SIGTERM if the harness itself dies (PDEATHSIG).
// Helpers for what a benchmark needs of a server: a free port, waiting for it
// to accept, and its resident memory.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace runnel::benchtool {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  // Starts argv[0] (searched on PATH) with stdout and stderr appended to
  // log_path. Returns "" or why it could not start.
  std::string start(const std::vector<std::string>& argv, const std::string& log_path);
  // Waits until 127.0.0.1:port accepts a connection; false if the child died
  // or timeout_s passed.
  bool wait_accepting(int port, double timeout_s);
  // SIGTERM, wait up to grace_s, then SIGKILL. Returns the exit status as
  // waitpid gives it, or -1 if nothing was running.
  int stop(double grace_s = 30);

  bool running();
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string log_tail(std::size_t max_bytes = 2000) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's pick).
int free_port();
// VmRSS of a process in KiB, or nullopt if it is gone.
std::optional<long> rss_kib(pid_t pid);
// Raises the soft open-files limit to the hard limit (children inherit it).
void raise_fd_limit();

}  // namespace runnel::benchtool
