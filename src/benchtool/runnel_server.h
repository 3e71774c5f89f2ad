// RunnelServer: `runnel serve` started by the harness on a scratch data dir
// and free loopback ports, as a KafkaTarget; stopped (SIGTERM, then SIGKILL)
// when it goes away.
#pragma once

#include <string>

#include "benchtool/child_process.h"
#include "benchtool/kafka_target.h"

namespace runnel::benchtool {

class RunnelServer {
 public:
  // binary: the runnel executable. data_dir: an empty directory it may use.
  // extra_args are appended to `serve` (e.g. --smp 1). Returns "" or why not.
  std::string start(const std::string& binary, const std::string& data_dir,
                    const std::vector<std::string>& extra_args);
  void stop() { proc_.stop(); }
  KafkaTarget target() const;
  pid_t pid() const { return proc_.pid(); }
  const std::string& log_path() const { return proc_.log_path(); }
  std::string log_tail() const { return proc_.log_tail(); }

 private:
  ChildProcess proc_;
  int kafka_port_ = 0;
  int admin_port_ = 0;
};

}  // namespace runnel::benchtool
