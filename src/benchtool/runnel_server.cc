// See runnel_server.h.
#include "benchtool/runnel_server.h"

namespace runnel::benchtool {

std::string RunnelServer::start(const std::string& binary, const std::string& data_dir,
                                const std::vector<std::string>& extra_args) {
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    kafka_port_ = free_port();
    admin_port_ = free_port();
    std::vector<std::string> argv = {binary,         "serve",
                                     "--data-dir",   data_dir + "/data",
                                     "--kafka-addr", "127.0.0.1:" + std::to_string(kafka_port_),
                                     "--admin-addr", "127.0.0.1:" + std::to_string(admin_port_)};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    std::string err = proc_.start(argv, data_dir + "/runnel.log");
    if (!err.empty()) return err;
    if (proc_.wait_accepting(kafka_port_, 60)) return "";
    proc_.stop(5);
    last_error = "runnel serve did not accept on port " + std::to_string(kafka_port_) + "; log tail:\n" +
                 proc_.log_tail();
    // A lost race for a "free" port is worth another try; anything else is not.
    if (last_error.find("in use") == std::string::npos) break;
  }
  return last_error;
}

KafkaTarget RunnelServer::target() const {
  KafkaTarget t;
  t.name = "runnel";
  t.bootstrap = "127.0.0.1:" + std::to_string(kafka_port_);
  t.pid = proc_.pid();
  use_admin_topics(t);
  return t;
}

}  // namespace runnel::benchtool
